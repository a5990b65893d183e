// API keys against the real node: every route refuses without a key (401), refuses a key without
// the operation or the target (403), and works with one that has both — /v1/events, search, the
// Elasticsearch-compatible routes (the official client with Basic, ApiKey and Bearer, and a
// per-item 403 in a mixed /_bulk body) and /metrics; search caches are per tenant; a key added by
// `es-gateway keys create` works without a restart; rate limits and byte quotas answer 429.
import { execFileSync } from 'node:child_process';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteIndices, esClient, startGateway, unique, type TestGateway } from '../support/gateway.ts';
import { testKeys } from '../support/keys.ts';

const prefix = unique('it-security');
const es = esClient();
const fixture = testKeys();
const keys = fixture.keys;
const keysFile = fixture.file;
const createKey = (name: string, args: string[]) => fixture.create(name, args);
let gw: TestGateway;

const auth = (name: string) => ({ authorization: `ApiKey ${keys[name]}` });
const ndjson = (lines: object[]) => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;

async function call(method: string, url: string, headers: Record<string, string> = {}, body?: string) {
  const res = await fetch(`${gw.url}${url}`, { method, headers: { 'content-type': 'application/x-ndjson', ...headers }, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

beforeAll(async () => {
  createKey('writer', ['--tenant', 'team-a', '--ops', 'ingest', '--streams', 'app', '--indices', `${prefix}-es-*`]);
  createKey('reader-a', ['--tenant', 'team-a', '--ops', 'search', '--streams', 'app']);
  createKey('reader-b', ['--tenant', 'team-b', '--ops', 'search', '--streams', 'app']);
  createKey('admin', ['--tenant', 'platform', '--ops', 'admin']);
  createKey('limited', ['--tenant', 'team-c', '--ops', 'ingest', '--streams', 'app', '--rate-limit', '3']);
  createKey('metered', ['--tenant', 'team-c', '--ops', 'ingest', '--streams', 'app', '--ingest-bytes-per-second', '1000']);
  // /metrics is not open to the tests' loopback here (fixture.env): it needs an admin key.
  gw = await startGateway({ ...fixture.env(prefix), GATEWAY_KEYS_POLL_MS: '100' });
});
afterAll(async () => {
  await gw?.close();
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
  fixture.remove();
});

describe('the /v1 routes', () => {
  it('answer 401 without a valid key, 403 without the operation or the stream, and work with both', async () => {
    const body = ndjson([{ message: 'kept', event: { id: 'sec-1' } }]);
    const none = await call('POST', '/v1/events/app?ack=indexed', {}, body);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^ApiKey realm="es-gateway", Bearer/);
    expect(none.json()).toMatchObject({ type: 'urn:es-gateway:problem:unauthorized', status: 401 });
    expect((await call('POST', '/v1/events/app', { authorization: 'ApiKey esg_not-a-key' }, body)).status).toBe(401);
    const reader = await call('POST', '/v1/events/app', auth('reader-a'), body);
    expect(reader.status).toBe(403);
    expect(reader.json()).toMatchObject({ type: 'urn:es-gateway:problem:forbidden', detail: 'this key may not ingest stream app' });
    expect((await call('POST', '/v1/events/other', auth('writer'), body)).json()).toMatchObject({ status: 403, detail: 'this key may not ingest stream other' });
    const written = await call('POST', '/v1/events/app?ack=indexed', { authorization: `Bearer ${keys.writer}` }, body);
    expect(written.status).toBe(200);
    await es.indices.refresh({ index: `${prefix}-app-*` });
    expect((await es.count({ index: `${prefix}-app-*` })).count).toBe(1);
  });

  it('search needs the search operation on the stream, and caches per tenant', async () => {
    expect((await call('GET', '/v1/search/app?q=kept')).status).toBe(401);
    expect((await call('GET', '/v1/search/app?q=kept', auth('writer'))).json()).toMatchObject({ status: 403, detail: 'this key may not search stream app' });
    const a1 = await call('GET', '/v1/search/app?q=kept', auth('reader-a'));
    expect(a1.status).toBe(200);
    expect((a1.json().hits as unknown[]).length).toBe(1);
    expect(a1.headers.get('x-cache')).toBe('MISS');
    expect((await call('GET', '/v1/search/app?q=kept', auth('reader-a'))).headers.get('x-cache')).toBe('HIT');
    // Same query, another tenant: never the first tenant's cached answer.
    expect((await call('GET', '/v1/search/app?q=kept', auth('reader-b'))).headers.get('x-cache')).toBe('MISS');
  });
});

describe('the Elasticsearch-compatible routes', () => {
  it('take the official client\'s Basic, ApiKey and Bearer settings, and refuse others in Elasticsearch\'s shape', async () => {
    const index = `${prefix}-es-one`;
    for (const clientAuth of [{ username: 'writer', password: keys.writer as string }, { apiKey: { id: 'writer', api_key: keys.writer as string } }, { bearer: keys.writer as string }]) {
      const client = new Client({ node: gw.url, auth: clientAuth });
      try {
        expect((await client.index({ index, document: { via: Object.keys(clientAuth)[0] } })).result).toBe('created');
      } finally {
        await client.close();
      }
    }
    await es.indices.refresh({ index });
    expect((await es.count({ index })).count).toBe(3);
    const anonymous = await call('POST', '/_bulk', { 'content-type': 'application/x-ndjson' }, ndjson([{ create: { _index: index } }, { a: 1 }]));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/Basic realm="es-gateway"/);
    expect(anonymous.json()).toMatchObject({ status: 401, error: { type: 'security_exception' } });
    // Basic with another key's name is not this key.
    const wrongName = await call('POST', `/${index}/_doc`, { authorization: `Basic ${Buffer.from(`admin:${keys.writer}`).toString('base64')}`, 'content-type': 'application/json' }, '{"a":1}');
    expect(wrongName.status).toBe(401);
    expect((await call('POST', `/${prefix}-other/_doc`, { ...auth('writer'), 'content-type': 'application/json' }, '{"a":1}')).json()).toMatchObject({ status: 403, error: { type: 'security_exception', reason: `this key may not ingest into index ${prefix}-other` } });
  });

  it('answer an action line for an index the key may not write with a per-item 403; the others land', async () => {
    const mine = `${prefix}-es-mixed`;
    const notMine = `${prefix}-elsewhere`; // allowed by GATEWAY_ES_API_INDICES, not by the key
    const res = await call('POST', '/_bulk', auth('writer'), ndjson([{ create: { _index: mine, _id: 'm1' } }, { a: 1 }, { create: { _index: notMine, _id: 'n1' } }, { a: 2 }, { index: { _index: mine, _id: 'm2' } }, { a: 3 }]));
    expect(res.status).toBe(200);
    const body = res.json() as { errors: boolean; items: Record<string, { status: number; error?: { type: string; reason: string } }>[] };
    expect(body.errors).toBe(true);
    expect(body.items.map((i) => Object.values(i)[0]?.status)).toEqual([201, 403, 201]);
    expect(body.items[1]?.create?.error).toEqual({ type: 'security_exception', reason: `action [indices:data/write/bulk[s]] is unauthorized for API key [writer] on indices [${notMine}]` });
    await es.indices.refresh({ index: mine });
    expect((await es.count({ index: mine })).count).toBe(2);
    expect(await es.indices.exists({ index: notMine })).toBe(false);
  });
});

describe('the ops routes', () => {
  it('/healthz and /readyz are open; /metrics needs an admin key from outside GATEWAY_OPS_ALLOW', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json().warnings).toBeUndefined(); // auth is on
    expect((await call('GET', '/metrics')).status).toBe(401);
    expect((await call('GET', '/metrics', auth('writer'))).status).toBe(403);
    const metrics = await call('GET', '/metrics', auth('admin'));
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^es_gateway_api_keys 6$/m);
  });
});

describe('keys and limits', () => {
  it('a key made by `es-gateway keys create` works without a restart; keys list shows it without its hash', async () => {
    const out = execFileSync(process.execPath, ['src/cli/es-gateway.ts', 'keys', 'create', '--name', 'late', '--tenant', 'team-a', '--ops', 'ingest', '--streams', 'app', '--file', keysFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const key = out.trim();
    let status = 0;
    for (let i = 0; i < 50 && status !== 202; i++) {
      status = (await call('POST', '/v1/events/app', { authorization: `ApiKey ${key}` }, ndjson([{ late: true }]))).status;
      if (status !== 202) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(202);
    const listed = execFileSync(process.execPath, ['src/cli/es-gateway.ts', 'keys', 'list', '--file', keysFile], { encoding: 'utf8' });
    expect(listed).toMatch(/^late {2}tenant=team-a {2}ops=ingest {2}streams=app/m);
    expect(listed).not.toMatch(/sha256/);
  });

  it('a key over its rate limit gets 429 with Retry-After and RateLimit headers; other keys do not', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await call('POST', '/v1/events/app', auth('limited'), ndjson([{ n: i }]));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(last?.json()).toMatchObject({ type: 'urn:es-gateway:problem:rate-limited', status: 429 });
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.headers.get('ratelimit-limit')).toBe('3');
    expect(last?.headers.get('ratelimit-remaining')).toBe('0');
    expect((await call('POST', '/v1/events/app', auth('writer'), ndjson([{ n: 9 }]))).status).toBe(202);
  });

  it('a key over its ingest byte quota gets 429 before its body is read', async () => {
    const big = ndjson(Array.from({ length: 40 }, (_, i) => ({ message: `padding ${'x'.repeat(60)} ${i}` }))); // ~3.5 kB: let in, then in debt
    expect((await call('POST', '/v1/events/app', auth('metered'), big)).status).toBe(202);
    const refused = await call('POST', '/v1/events/app', auth('metered'), ndjson([{ small: true }]));
    expect(refused.status).toBe(429);
    expect(refused.json()).toMatchObject({ type: 'urn:es-gateway:problem:quota-exceeded' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(2);
  });
});
