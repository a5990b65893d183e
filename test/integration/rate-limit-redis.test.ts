// Rate limits shared across replicas through a real redis-server (Debian's; .ci/run installs it
// when missing): two gateway processes, one key, together admit the key's limit and not twice it.
// Then Redis goes away: the default (`open`) lets requests through and counts them in a metric;
// `closed` answers 503.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeysCreate } from '../../src/cli/keys-command.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { deleteIndices, esClient, esUrl, startGateway, unique } from '../support/gateway.ts';
import { metricValue, waitUntil } from '../support/load.ts';

const prefix = unique('it-ratelimit');
const es = esClient();
const dir = mkdtempSync(path.join(os.tmpdir(), 'esgw-ratelimit-'));
const keysFile = path.join(dir, 'keys.json');
const LIMIT = 10;
let key = '';
let redis: ChildProcess | undefined;
let redisPort = 0;
const gateways: GatewayProcess[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const send = (url: string, headers: Record<string, string>) => fetch(`${url}/v1/events/app`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...headers }, body: '{"message":"limited"}\n' }).then(async (r) => {
  await r.arrayBuffer();
  return r.status;
});

beforeAll(async () => {
  const out: string[] = [];
  expect(runKeysCreate(['--name', 'shared', '--tenant', 't', '--ops', 'ingest,admin', '--streams', 'app', '--rate-limit', String(LIMIT), '--file', keysFile], (t) => out.push(t), () => {})).toBe(0);
  key = out.join('').trim();
  redisPort = await freePort();
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const env = {
    ES_URL: esUrl(),
    GATEWAY_AUTH: 'on',
    GATEWAY_KEYS_FILE: keysFile,
    GATEWAY_RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    GATEWAY_RATE_LIMIT_WINDOW_MS: '60000',
    GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
    GATEWAY_SPOOL_DIR: '',
    GATEWAY_WORKERS: '0',
  };
  gateways.push(startGatewayProcess(env), startGatewayProcess(env));
  await Promise.all(gateways.map((g) => g.listening));
});

afterAll(async () => {
  for (const g of gateways) {
    g.child.kill('SIGTERM');
    await g.exited;
  }
  redis?.kill('SIGKILL');
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('rate limits through Redis', () => {
  it('two gateway processes, one key: together they admit the limit, not twice it', async () => {
    const urls = await Promise.all(gateways.map((g) => g.listening));
    const statuses: number[] = [];
    // 3× the limit, alternating between the replicas.
    for (let i = 0; i < 3 * LIMIT; i++) statuses.push(await send(urls[i % 2] as string, { authorization: `ApiKey ${key}` }));
    expect(statuses.filter((s) => s === 202)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * LIMIT);
  });

  it('Redis down: `open` lets requests through and counts them; `closed` answers 503', async () => {
    const url = await (gateways[0] as GatewayProcess).listening;
    // A key of its own so the first test's spent limit does not matter.
    const out: string[] = [];
    expect(runKeysCreate(['--name', 'fresh', '--tenant', 't', '--ops', 'ingest,admin', '--streams', 'app', '--file', keysFile], (t) => out.push(t), () => {})).toBe(0);
    const fresh = { authorization: `ApiKey ${out.join('').trim()}` };
    expect(await waitUntil(async () => (await send(url, fresh)) === 202, 10_000)).toBe(true);
    const closed = await startGateway({ GATEWAY_AUTH: 'on', GATEWAY_KEYS_FILE: keysFile, GATEWAY_RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${redisPort}`, GATEWAY_RATE_LIMIT_REDIS_FAILURE: 'closed', GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}` });
    try {
      expect(await waitUntil(async () => (await send(closed.url, fresh)) === 202, 10_000)).toBe(true);
      redis?.kill('SIGKILL');
      await new Promise((resolve) => redis?.once('exit', resolve));
      expect(await waitUntil(async () => (await send(closed.url, fresh)) === 503, 10_000)).toBe(true);
      const refused = await fetch(`${closed.url}/v1/events/app`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...fresh }, body: '{}\n' });
      expect(await refused.json()).toMatchObject({ type: 'urn:es-gateway:problem:rate-limit-unavailable', status: 503 });
    } finally {
      await closed.close();
    }
    const statuses = await Promise.all(Array.from({ length: 5 }, () => send(url, fresh)));
    expect(statuses).toEqual([202, 202, 202, 202, 202]);
    const metrics = await (await fetch(`${url}/metrics`, { headers: fresh })).text();
    expect(metricValue(metrics, 'es_gateway_rate_limit_store_errors_total')).toBeGreaterThanOrEqual(5);
    expect((gateways[0] as GatewayProcess).output()).toMatch(/rate-limit store \(Redis\) unreachable: requests are let through without a limit/);
  });
});
