// The gateway's Elasticsearch client (the official client underneath) on its wire: what it
// sends, how it fails, and how each failure is diagnosed. Against local node:http servers
// standing in for Elasticsearch (FAKE, named as such), because these are about failures the real
// node cannot be made to produce on demand (no answer, a server that is not Elasticsearch) and
// about exact headers. Several real nodes, TLS and credentials are covered by the integration
// tests against real nodes (test/integration/es-*.test.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { createEsClient, errorSummary, EsRequestError, type EsClient } from '../../src/sink/es-client.ts';
import { diagnoseEsError, redactUrl } from '../../src/sink/es-diagnosis.ts';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; server: number }

const servers: http.Server[] = [];
let client: EsClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A stand-in for Elasticsearch (FAKE): records requests and answers with `answer`. */
async function standIn(answer: (req: Seen, res: http.ServerResponse, n: number) => void, seen: Seen[] = []): Promise<{ url: string; seen: Seen[] }> {
  const id = servers.length;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), server: id };
      seen.push(s);
      answer(s, res, seen.length);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const json = (res: http.ServerResponse, status: number, body: unknown, product = true) => {
  res.writeHead(status, { 'content-type': 'application/json', ...(product ? { 'x-elastic-product': 'Elasticsearch' } : {}) });
  res.end(JSON.stringify(body));
};

const esConfig = (env: Record<string, string>) => loadConfig({ ES_REQUEST_TIMEOUT_MS: '2000', ...env }).elasticsearch;

describe('Elasticsearch client', () => {
  it('sends the body with its content type, the path and query under the URL prefix, and basic auth from the URL', async () => {
    const { url, seen } = await standIn((_, res) => json(res, 200, { ok: true }));
    client = createEsClient(esConfig({ ES_URL: url.replace('http://', 'http://elastic:p%40ss@') + '/es/' }), 2);
    const res = await client.request({ method: 'POST', path: '/_bulk?filter_path=errors,items.*.status', body: Buffer.from('{"create":{}}\n{}\n'), contentType: 'application/x-ndjson' });
    expect(res).toEqual({ statusCode: 200, body: '{"ok":true}' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/es/_bulk?filter_path=errors,items.*.status', body: '{"create":{}}\n{}\n' });
    expect(seen[0]?.headers['content-type']).toBe('application/x-ndjson');
    expect(seen[0]?.headers['content-length']).toBe('17');
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('elastic:p@ss').toString('base64')}`);
  });

  it('writes a body given as a list of buffers one after the other, with their total length (no chunked encoding)', async () => {
    const { url, seen } = await standIn((_, res, n) => json(res, 200, { n }));
    client = createEsClient(esConfig({ ES_URL: url }), 1);
    const parts = [Buffer.from('{"create":{}}\n'), Buffer.from('{"ü":1}\n'), Buffer.alloc(70_000, 0x20), Buffer.from('\n')];
    const whole = Buffer.concat(parts).toString();
    expect((await client.request({ method: 'POST', path: '/_bulk', body: parts, contentType: 'application/x-ndjson' })).body).toBe('{"n":1}');
    expect(seen.map((s) => [s.body === whole, s.headers['content-length'], s.headers['transfer-encoding']])).toEqual([[true, String(Buffer.byteLength(whole)), undefined]]);
  });

  it('sends the configured credentials: API key, bearer token, user and password', async () => {
    const { url, seen } = await standIn((_, res) => json(res, 200, {}));
    for (const env of [{ ES_API_KEY: 'aWQ6a2V5' }, { ES_BEARER_TOKEN: 'AAEAAWVsYXN0aWM' }, { ES_USERNAME: 'gw', ES_PASSWORD: 'pw' }, {}] as Record<string, string>[]) {
      const c = createEsClient(esConfig({ ES_URL: url, ...env }), 1);
      await c.request({ method: 'GET', path: '/_cluster/health' });
      await c.close();
    }
    expect(seen.map((s) => s.headers.authorization)).toEqual(['ApiKey aWQ6a2V5', 'Bearer AAEAAWVsYXN0aWM', `Basic ${Buffer.from('gw:pw').toString('base64')}`, undefined]);
  });

  it('rejects a non-2xx answer with its status and Elasticsearch\'s error type and reason; a 401 is diagnosed as auth', async () => {
    const { url } = await standIn((req, res) => (req.url.startsWith('/_bulk')
      ? json(res, 429, { error: { type: 'es_rejected_execution_exception', reason: 'queue full' }, status: 429 })
      : json(res, 401, { error: { type: 'security_exception', reason: 'unable to authenticate user [gw]' }, status: 401 }, false)));
    client = createEsClient(esConfig({ ES_URL: url, ES_USERNAME: 'gw', ES_PASSWORD: 'wrong-password' }), 1);
    const err = await client.request({ method: 'POST', path: '/_bulk', body: '{}\n' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EsRequestError);
    expect((err as EsRequestError).statusCode).toBe(429);
    expect((err as EsRequestError).message).toBe('Elasticsearch answered 429 es_rejected_execution_exception: queue full');
    expect(errorSummary(502, '<html>bad gateway</html>')).toBe('502 <html>bad gateway</html>');
    const auth = await client.request({ method: 'GET', path: '/_cluster/health' }).catch((e: unknown) => e) as EsRequestError;
    expect(auth.statusCode).toBe(401);
    const d = diagnoseEsError(auth);
    expect(d.cause).toBe('auth');
    expect(`${d.detail} ${d.fix}`).not.toContain('wrong-password');
  });

  it('gives up on a request without an answer after the timeout, with no status, diagnosed as unreachable', async () => {
    const { url } = await standIn(() => { /* never answers */ });
    client = createEsClient(esConfig({ ES_URL: url, ES_REQUEST_TIMEOUT_MS: '5000' }), 1);
    const err = await client.request({ method: 'POST', path: '/_bulk', body: [Buffer.from('{}\n')], timeoutMs: 150 }).catch((e: unknown) => e) as EsRequestError;
    expect(err).toBeInstanceOf(EsRequestError);
    expect(err.statusCode).toBeUndefined();
    expect(err.message).toBe('POST /_bulk: Request timed out');
    expect(diagnoseEsError(err).cause).toBe('unreachable');
  });

  it('reports a refused connection with no status, diagnosed as unreachable', async () => {
    client = createEsClient(esConfig({ ES_URL: 'http://127.0.0.1:1' }), 1);
    const err = await client.request({ method: 'GET', path: '/_cluster/health' }).catch((e: unknown) => e) as EsRequestError;
    expect(err).toBeInstanceOf(EsRequestError);
    expect(err.statusCode).toBeUndefined();
    expect(err.message).toContain('ECONNREFUSED');
    expect(diagnoseEsError(err)).toMatchObject({ cause: 'unreachable' });
  });

  it('refuses a server that answers but is not Elasticsearch (no X-Elastic-Product header)', async () => {
    const { url } = await standIn((_, res) => json(res, 200, { status: 'green' }, false));
    client = createEsClient(esConfig({ ES_URL: url }), 1);
    const err = await client.request({ method: 'GET', path: '/_cluster/health' }).catch((e: unknown) => e) as EsRequestError;
    expect(err).toBeInstanceOf(EsRequestError);
    expect(diagnoseEsError(err).cause).toBe('not_elasticsearch');
  });

  it('spreads requests over several nodes and sends a failed call again to another node', async () => {
    const seen: Seen[] = [];
    const a = await standIn((_, res) => json(res, 200, { node: 'a' }), seen);
    const b = await standIn((_, res) => json(res, 200, { node: 'b' }), seen);
    const outcomes: string[] = [];
    client = createEsClient(esConfig({ ES_URL: `${a.url},${b.url},http://127.0.0.1:1` }), 1, (node, ok) => outcomes.push(`${node} ${ok ? 'ok' : 'failed'}`));
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push((await client.request({ method: 'GET', path: '/_cluster/health' })).body);
    // Every call answered although a third of the nodes refuses connections; both live nodes took
    // some, and the refusing one was set aside after its first failure.
    expect(answers).toHaveLength(6);
    expect(new Set(seen.map((s) => s.server))).toEqual(new Set([0, 1]));
    expect(outcomes.filter((o) => o.endsWith('failed'))).toEqual(['http://127.0.0.1:1 failed']);
    expect(outcomes.filter((o) => o.endsWith(' ok'))).toHaveLength(6);
  });

  it('pings a dead node again after 5 s, doubling per failure up to 20 s', async () => {
    const a = await standIn((_, res) => json(res, 200, {}));
    client = createEsClient(esConfig({ ES_URL: `${a.url},http://127.0.0.1:1` }), 1);
    const pool = client.client.connectionPool as unknown as { connections: { id: string; resurrectTimeout: number }[]; markDead(c: unknown): void };
    const dead = pool.connections.find((c) => c.id.includes(':1/'));
    if (dead === undefined) throw new Error('no connection for the second node');
    const waits: number[] = [];
    for (let failures = 1; failures <= 6; failures++) {
      const before = Date.now();
      pool.markDead(dead);
      waits.push(Math.round((dead.resurrectTimeout - before) / 1000));
    }
    expect(waits).toEqual([5, 10, 20, 20, 20, 20]);
  });
});

describe('diagnosis', () => {
  it('names TLS failures and says what to set', () => {
    expect(diagnoseEsError(new EsRequestError('GET /: self-signed certificate in certificate chain', undefined))).toMatchObject({ cause: 'tls', fix: expect.stringContaining('ES_CA_FILE') });
    expect(diagnoseEsError(new EsRequestError('GET /: Server certificate CA fingerprint does not match the value configured in caFingerprint', undefined)).cause).toBe('tls');
    expect(diagnoseEsError(new EsRequestError('GET /: write EPROTO 40B8:error:0A00010B:SSL routines:ssl3_get_record:wrong version number', undefined))).toMatchObject({ cause: 'tls', fix: expect.stringContaining('scheme') });
  });

  it('logs node URLs without their credentials', () => {
    expect(redactUrl('https://elastic:s3cret@es1:9200')).toBe('https://es1:9200');
    expect(redactUrl('http://es1:9200')).toBe('http://es1:9200');
  });
});
