// The gateway's own Elasticsearch credentials and TLS against a real node with security on
// (scripts/elasticsearch-secured.ts: HTTPS with a CA made by openssl, a file-realm user, a
// service account token). Right settings: events are indexed. A wrong CA or a wrong password:
// the gateway still starts and accepts into its spool, /readyz names the cause, the log says
// what to fix without the secret, and a restart with the right settings delivers what was
// accepted meanwhile. (API keys need the .security index, which this distribution cannot
// create: ES_API_KEY goes through the client's own apiKey option and is checked on the wire in
// test/unit/es-client.test.ts only.)
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { makeCertificates, startSecuredElasticsearch, type SecuredElasticsearch } from '../../scripts/elasticsearch-secured.ts';
import { logEvents, NDJSON, post, unique } from '../support/gateway.ts';
import { waitUntil } from '../support/load.ts';

let node: SecuredElasticsearch;
let es: Client;
let wrongCa: string;

beforeAll(async () => {
  node = await startSecuredElasticsearch({ version: inject('esVersion') });
  es = new Client({ node: node.url, auth: { username: node.username, password: node.password }, tls: { ca: readFileSync(node.caFile, 'utf8') } });
  wrongCa = (await makeCertificates(mkdtempSync(path.join(os.tmpdir(), 'esgw-other-ca-')), 'some other CA')).ca;
}, 240_000);
afterAll(async () => {
  await es?.close();
  await node?.stop();
});

/** A gateway on a secured node, with its log lines collected. */
async function gateway(env: Record<string, string>, spoolDir = mkdtempSync(path.join(os.tmpdir(), 'esgw-spool-'))) {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter((l) => l !== '')); done(); } });
  const config = loadConfig({ ES_URL: node.url, PORT: '0', HOST: '127.0.0.1', GATEWAY_AUTH: 'off', GATEWAY_SPOOL_DIR: spoolDir, GATEWAY_BREAKER_RESET_MS: '1000', GATEWAY_RETRY_MAX_MS: '500', ...env });
  const app = await buildApp(config, { logger: { level: 'info', stream } });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, lines, spoolDir, close: () => app.close() };
}

async function count(index: string): Promise<number> {
  await es.indices.refresh({ index, allow_no_indices: true, ignore_unavailable: true });
  return (await es.count({ index, allow_no_indices: true, ignore_unavailable: true })).count;
}

const ready = async (app: Awaited<ReturnType<typeof gateway>>['app']) => (await app.inject({ method: 'GET', url: '/readyz' })).json() as { status: string; elasticsearch: string; reasons?: string[] };

describe('a node with TLS and security on', () => {
  it('takes events with basic auth and the CA file, and with the CA fingerprint instead of the file', async () => {
    for (const tls of [{ ES_CA_FILE: node.caFile }, { ES_CA_FINGERPRINT: node.caFingerprint }] as Record<string, string>[]) {
      const prefix = unique('secured');
      const gw = await gateway({ ES_USERNAME: node.username, ES_PASSWORD: node.password, ...tls, GATEWAY_INDEX_PATTERN: `${prefix}-{stream}`, GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq` });
      try {
        const res = await post(`${gw.url}/v1/events/app?ack=indexed`, logEvents(50, prefix).map((e) => e.line).join('\n'), NDJSON);
        expect(res.status, res.body).toBe(200);
        expect(res.json().items.filter((i: { result: string }) => i.result === 'created')).toHaveLength(50);
        expect(await count(`${prefix}-app`)).toBe(50);
        // Readiness probes the node at most once a second; a probe that timed out on a loaded
        // machine (a TLS handshake cut short) is checked again, so wait for the next answer.
        let last: Awaited<ReturnType<typeof ready>> | undefined;
        expect(await waitUntil(async () => (last = await ready(gw.app)).status === 'ready', 10_000), JSON.stringify(last)).toBe(true);
        expect(last).toMatchObject({ status: 'ready', elasticsearch: 'ok' });
      } finally {
        await gw.close();
      }
    }
  });

  it('takes events with a service account token (ES_BEARER_TOKEN)', async () => {
    // The fleet-server service account may write logs-* (and has monitor); it may not install
    // templates, so this gateway installs none.
    const prefix = unique('logs-bearer');
    const gw = await gateway({ ES_BEARER_TOKEN: node.serviceToken, ES_CA_FILE: node.caFile, GATEWAY_INSTALL_TEMPLATES: 'false', GATEWAY_INDEX_PATTERN: `${prefix}-{stream}` });
    try {
      const res = await post(`${gw.url}/v1/events/app?ack=indexed`, logEvents(20, prefix).map((e) => e.line).join('\n'), NDJSON);
      expect(res.status, res.body).toBe(200);
      expect(await count(`${prefix}-app`)).toBe(20);
    } finally {
      await gw.close();
    }
  });

  for (const wrong of ['tls', 'auth'] as const) {
    it(`with a wrong ${wrong === 'tls' ? 'CA' : 'password'}: starts, spools, says why on /readyz and in one log line, and delivers after a restart with the right settings`, async () => {
      const prefix = unique(`wrong-${wrong}`);
      const right = { ES_USERNAME: node.username, ES_PASSWORD: node.password, ES_CA_FILE: node.caFile, GATEWAY_INDEX_PATTERN: `${prefix}-{stream}`, GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq` };
      const bad = wrong === 'tls' ? { ...right, ES_CA_FILE: wrongCa } : { ...right, ES_PASSWORD: 'not-the-password' };
      const gw = await gateway(bad);
      let accepted = 0;
      try {
        for (let i = 0; i < 3; i++) {
          const res = await post(`${gw.url}/v1/events/app`, logEvents(100, `${prefix}-${i}`).map((e) => e.line).join('\n'), NDJSON);
          expect(res.status, res.body).toBe(202);
          accepted += res.json().accepted as number;
        }
        const r = await ready(gw.app);
        expect(r).toMatchObject({ status: 'degraded', elasticsearch: wrong });
        // The events wait in the spool once the breaker gives up on Elasticsearch.
        expect(await waitUntil(() => gw.app.gateway.pipeline.spooledEvents === accepted, 60_000, 250), `spooled ${gw.app.gateway.pipeline.spooledEvents} of ${accepted}`).toBe(true);
        const said = gw.lines.filter((l) => l.includes(`(${wrong})`) || l.includes(`"cause":"${wrong}"`));
        expect(said.length, gw.lines.join('\n')).toBeGreaterThan(0);
        expect(said.join('\n')).toMatch(wrong === 'tls' ? /ES_CA_FILE/ : /ES_USERNAME\/ES_PASSWORD/);
        expect(gw.lines.join('\n')).not.toContain('not-the-password');
        expect(gw.lines.join('\n')).not.toContain(node.password);
        expect(gw.lines.join('\n')).not.toMatch(/\n\s+at /);
        expect(await count(`${prefix}-app`)).toBe(0);
      } finally {
        await gw.close();
      }
      const fixed = await gateway(right, gw.spoolDir);
      try {
        expect(await waitUntil(async () => (await count(`${prefix}-app`)) === accepted, 60_000, 500)).toBe(true);
        expect(await ready(fixed.app)).toMatchObject({ elasticsearch: 'ok' });
      } finally {
        await fixed.close();
      }
    });
  }
});
