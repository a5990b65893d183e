// Whole HTTP requests, fuzzed: random methods, paths, query strings, content types, encodings
// (declared right or wrong), idempotency keys and bodies (random bytes, NDJSON and JSON events of
// every shape, bulk bodies), injected into a gateway whose upstream is a FAKE Elasticsearch
// (test/support/fake-upstream.ts: the point is the gateway's input handling, not indexing).
// Never a 5xx, never a crash, every refusal a 4xx in the route's format; memory bounded; the
// gateway answers a normal request afterwards. Prints how many requests it tried.
import zlib from 'node:zlib';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';

const REQUESTS = 10_000;

const ENCODERS: Record<string, (b: Buffer) => Buffer> = {
  gzip: (b) => zlib.gzipSync(b, { level: 1 }),
  'x-gzip': (b) => zlib.gzipSync(b, { level: 1 }),
  deflate: (b) => zlib.deflateSync(b, { level: 1 }),
  br: (b) => zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } }),
  zstd: (b) => zlib.zstdCompressSync(b),
};

/** Printable ASCII: what a header value can carry through the injector. */
const token = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 30 });

const event = fc.oneof(
  fc.object({ maxDepth: 4, maxKeys: 6 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant({ '@timestamp': '2026-12-01T10:00:00Z', message: 'ok', event: { id: 'fixed-id' } }),
  fc.nat({ max: 40 }).map((n) => JSON.parse(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) as unknown),
  fc.nat({ max: 120 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]))),
  fc.nat({ max: 400 }).map((n) => ({ s: 'x'.repeat(n) })),
);

const body = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.array(event, { maxLength: 25 }).map((es) => Buffer.from(es.map((e) => JSON.stringify(e) ?? 'null').join('\n'))),
  fc.array(event, { maxLength: 25 }).map((es) => Buffer.from(JSON.stringify(es))),
  event.map((e) => Buffer.from(JSON.stringify(e) ?? '')),
  fc.array(fc.tuple(fc.constantFrom('{"create":{}}', '{"index":{"_index":"fuzz"}}', '{"delete":{"_index":"fuzz","_id":"1"}}', '{"create":{"_index":".security"}}', '{"update":{"_index":"fuzz","_id":"2"}}', '{"index":'), event), { maxLength: 10 })
    .map((pairs) => Buffer.from(pairs.map(([a, e]) => `${a}\n${JSON.stringify(e) ?? ''}\n`).join(''))),
  fc.constant(Buffer.alloc(70_000, 0x20)), // over the body limit
);

// Mostly the ingest routes, with valid names more often than not, so that many requests get in.
const path = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom('logs', 'logs', 'fuzz-stream', 'Bad Name', 'a'.repeat(101), '%00', '..', 'x%2Fy'), fc.array(fc.constantFrom('ack=indexed', 'ack=accepted', 'ack=later', 'atomic=true', 'atomic=false', 'atomic=1', 'x=%ff'), { maxLength: 3 }))
    .map(([s, q]) => `/v1/events/${s}${q.length > 0 ? `?${q.join('&')}` : ''}`) },
  { weight: 3, arbitrary: fc.constantFrom('/_bulk', '/fuzz/_bulk', '/_bulk?refresh=true', '/fuzz/_doc', '/fuzz/_doc/1', '/fuzz/_create/2', '/.hidden/_doc', '/_bulk?pipeline=nope', '/v1/search/logs', '/nope', '/') },
  { weight: 1, arbitrary: token.map((t) => `/${encodeURIComponent(t)}`) },
);

const request = fc.record({
  method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'PUT', 'GET'),
  path,
  contentType: fc.constantFrom('application/x-ndjson', 'application/x-ndjson', 'application/json', 'application/json; charset=utf-8', 'application/jsonl', 'text/plain', 'application/x-www-form-urlencoded', undefined),
  encoding: fc.constantFrom(undefined, undefined, undefined, 'identity', 'gzip', 'x-gzip', 'deflate', 'br', 'zstd', 'compress', 'gzip, br', 'GZIP'),
  encodeRight: fc.nat({ max: 3 }).map((n) => n > 0), // mostly encoded as declared
  idempotencyKey: fc.option(token),
  requestId: fc.option(token),
  body,
});

describe('whole requests under fuzzing', () => {
  let upstream: FakeUpstream;
  let app: FastifyInstance;
  let tried = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    const config = loadConfig({
      ES_URL: upstream.url,
      LOG_LEVEL: 'silent',
      GATEWAY_SPOOL_DIR: '',
      GATEWAY_INSTALL_TEMPLATES: 'false',
      GATEWAY_WORKERS: '0',
      // The bodies are under test, not the keys or the request rate.
      GATEWAY_AUTH: 'off',
      GATEWAY_RATE_LIMIT_MAX: '1000000',
      GATEWAY_MAX_BODY_BYTES: String(64 * 1024),
      GATEWAY_MAX_DECOMPRESSED_BYTES: String(256 * 1024),
      GATEWAY_MAX_LINE_BYTES: '2048',
      GATEWAY_MAX_EVENTS_PER_REQUEST: '200',
      GATEWAY_MAX_EVENT_DEPTH: '8',
      GATEWAY_MAX_EVENT_FIELDS: '60',
      GATEWAY_MAX_STRING_BYTES: '200',
      GATEWAY_BATCH_MAX_AGE_MS: '5',
    });
    app = await buildApp(config);
    await app.ready();
  });
  afterAll(async () => {
    console.log(`fuzz: ${tried} requests tried; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    await app?.close();
    await upstream?.close();
  });

  it(`answers ${REQUESTS} random requests with no 5xx, each refusal a 4xx in its route's format, memory bounded`, async () => {
    const rssBefore = process.memoryUsage().rss;
    await fc.assert(fc.asyncProperty(request, async (r) => {
      tried++;
      const encoder = r.encoding === undefined ? undefined : ENCODERS[r.encoding.toLowerCase()];
      const payload = r.encodeRight && encoder !== undefined ? encoder(r.body) : r.body;
      const headers: Record<string, string> = {};
      if (r.contentType !== undefined) headers['content-type'] = r.contentType;
      if (r.encoding !== undefined) headers['content-encoding'] = r.encoding;
      if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey;
      if (r.requestId !== null) headers['x-request-id'] = r.requestId;
      const res = await app.inject({ method: r.method as 'POST', url: r.path, headers, ...(r.method === 'GET' ? {} : { payload }) });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, `${r.method} ${r.path}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
      if (res.statusCode >= 400) {
        const esApi = !r.path.startsWith('/v1/') && r.path !== '/nope' && res.headers['x-elastic-product'] === 'Elasticsearch';
        expect(res.headers['content-type'], res.body.slice(0, 200)).toMatch(esApi ? /^application\/json/ : /^application\/problem\+json/);
        const answer = res.json() as Record<string, unknown>;
        expect(answer.status, res.body.slice(0, 200)).toBe(res.statusCode);
        expect(res.body).not.toMatch(/\n\s+at /); // no stack trace
      }
    }), { numRuns: REQUESTS });

    // Everything accepted was delivered and let go of: the queue is empty and memory is back.
    for (let i = 0; i < 200 && app.gateway.pipeline.heldBytes > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(app.gateway.pipeline.heldBytes).toBe(0);
    expect(upstream.items).toBeGreaterThan(0);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 << 20);
    const normal = await app.inject({ method: 'POST', url: '/v1/events/logs?ack=indexed', headers: { 'content-type': 'application/x-ndjson' }, payload: '{"message":"after the fuzz"}\n' });
    expect(normal.statusCode, normal.body).toBe(200);
  });
});
