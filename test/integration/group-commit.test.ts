// Group commit in durable mode (GATEWAY_SPOOL_FSYNC=interval) with a ten-minute interval, so an
// acknowledgement that waited for the interval's timer would time the test out: a lone request
// is synced right after its write; a request written while another is still being read waits
// for that one, and one segment fsync covers both. The documents reach Elasticsearch.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { countDocs, deleteIndices, esClient, esUrl, NDJSON, unique } from '../support/gateway.ts';
import { metricValue, waitUntil } from '../support/load.ts';

const prefix = unique('it-gc');
const es = esClient();
const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'esgw-gc-'));
/** Called when a request for that path reaches its handler (a preHandler hook). */
const reachedHandler = new Map<string, () => void>();
let app: FastifyInstance;
let url = '';

beforeAll(async () => {
  const config = loadConfig({
    ES_URL: esUrl(), HOST: '127.0.0.1', PORT: '0', GATEWAY_AUTH: 'off', GATEWAY_WORKERS: '0',
    GATEWAY_DURABILITY: 'durable', GATEWAY_SPOOL_DIR: spoolDir, GATEWAY_SPOOL_FSYNC: 'interval', GATEWAY_SPOOL_FSYNC_INTERVAL_MS: '600000',
    GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
  });
  app = await buildApp(config, { logger: false });
  app.addHook('preHandler', async (request) => reachedHandler.get(request.url)?.());
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

const lines = (ids: string[]) => ids.map((id) => `{"message":"group commit","event":{"id":"${id}"}}\n`).join('');
const segmentSyncs = async () => metricValue(await (await fetch(`${url}/metrics`)).text(), 'es_gateway_spool_fsync_seconds_count{target="segment"}');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const indexed = (stream: string, n: number) => waitUntil(async () => (await countDocs(es, `${prefix}-${stream}-*`)) === n, 30_000);

describe('group commit in durable mode', () => {
  it('acknowledges a lone request after one fsync, without waiting out the interval', async () => {
    const before = await segmentSyncs();
    const res = await fetch(`${url}/v1/events/lone`, { method: 'POST', headers: NDJSON, body: lines(['l-1', 'l-2', 'l-3']) });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 3, rejected: 0 });
    expect(await segmentSyncs()).toBe(before + 1);
    expect(await indexed('lone', 3)).toBe(true);
  });

  it('holds a request written while another is still being read, and syncs both with one fsync', async () => {
    const before = await segmentSyncs();
    const reached = new Promise<void>((resolve) => reachedHandler.set('/v1/events/slow', resolve));
    const slow = http.request(`${url}/v1/events/slow`, { method: 'POST', headers: { ...NDJSON, 'transfer-encoding': 'chunked' } });
    const slowStatus = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      slow.on('error', reject);
    });
    slow.write(lines(['s-1']));
    await reached;
    await sleep(50); // its handler runs on until it waits for the rest of the body: it is on its way

    let answered = false;
    const quick = fetch(`${url}/v1/events/quick`, { method: 'POST', headers: NDJSON, body: lines(['q-1', 'q-2']) }).then((res) => {
      answered = true;
      return res;
    });
    await sleep(500);
    expect(answered).toBe(false); // written, and waiting for the fsync the slow request will share
    expect(await segmentSyncs()).toBe(before);

    slow.end(lines(['s-2']));
    expect((await quick).status).toBe(202);
    expect(await slowStatus).toBe(202);
    expect(await segmentSyncs()).toBe(before + 1);
    expect(await indexed('quick', 2)).toBe(true);
    expect(await indexed('slow', 2)).toBe(true);
  });
});
