// Bad input gets the documented 4xx problem+json with line numbers, and nothing partial is
// written when atomic=true. Checked against what is really in the index.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDocs, deleteIndices, esClient, NDJSON, JSON_CT, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const es = esClient();
afterAll(() => es.close());

const MIXED = ['{"level":"info"}', '{"level":', '', '[1,2]', '{"level":"loud"}', '{"_id":"x","level":"info"}', '{"level":"warn"}'].join('\n');

function expectProblem(res: { status: number; headers: Record<string, unknown>; json: () => any }, status: number, slug: string) { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const p = res.json();
  expect(p).toMatchObject({ type: `urn:es-gateway:problem:${slug}`, status });
  expect(typeof p.detail).toBe('string');
  expect(typeof p.requestId).toBe('string');
  return p;
}

async function framedBy(gw: TestGateway): Promise<Record<string, number>> {
  const metric = await gw.app.gateway.metrics.framedRequests.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.thread), v.value]));
}

// Bodies are framed, parsed and validated on the main thread or by a framing worker thread
// (every body, however small, with GATEWAY_WORKER_MIN_BODY_BYTES=0): the answers must not differ.
describe.each<{ thread: string; env: Record<string, string> }>([
  { thread: 'main', env: { GATEWAY_WORKERS: '0' } },
  { thread: 'worker', env: { GATEWAY_WORKERS: '2', GATEWAY_WORKER_MIN_BODY_BYTES: '0' } },
])('bad input, framed on the $thread thread', ({ thread, env }) => {
  const prefix = unique(`it-bad-${thread}`);
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({
      ...env,
      GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
      GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dead-letters`,
      GATEWAY_MAX_LINE_BYTES: '200',
      GATEWAY_MAX_BODY_BYTES: '4000',
      GATEWAY_MAX_DECOMPRESSED_BYTES: '8000',
      GATEWAY_MAX_EVENTS_PER_REQUEST: '30',
      GATEWAY_UNKNOWN_STREAMS: 'reject',
    }, {
      streams: {
        strict: {
          schema: { type: 'object', required: ['level'], properties: { level: { enum: ['info', 'warn', 'error'] } } },
          mappings: { properties: { level: { type: 'keyword' } } },
        },
        loose: {},
        arrays: {},
      },
    });
    await gw.app.gateway.warmFramingWorkers();
  });
  afterAll(async () => {
    await gw?.close();
    await deleteIndices(es, `${prefix}-*`);
  });

  it('accepts the valid events and reports each invalid one with its line number and reason', async () => {
    const res = await post(`${gw.url}/v1/events/strict?ack=indexed`, MIXED, NDJSON);
    expect(res.status, res.body).toBe(200);
    const out = res.json();
    expect(out.accepted).toBe(2);
    expect(out.rejected).toBe(4);
    expect(out.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual([
      [2, 'invalid_json'],
      [4, 'not_an_object'],
      [5, 'schema_violation'],
      [6, 'reserved_field'],
    ]);
    expect(out.items.map((i: { line: number }) => i.line)).toEqual([1, 7]);
    expect(await countDocs(es, `${prefix}-strict-*`)).toBe(2);
  });

  it('with atomic=true refuses the whole request and writes nothing', async () => {
    const before = await countDocs(es, `${prefix}-strict-*`);
    const res = await post(`${gw.url}/v1/events/strict?atomic=true`, MIXED, NDJSON);
    const p = expectProblem(res, 400, 'invalid-events');
    expect(p).toMatchObject({ accepted: 0, rejected: 4 });
    expect(p.errors[0]).toEqual({ line: 2, code: 'invalid_json', detail: expect.stringContaining('invalid JSON') });
    await new Promise((r) => setTimeout(r, 300));
    expect(await countDocs(es, `${prefix}-strict-*`)).toBe(before);
  });

  it('answers 400 when every event is invalid, and for malformed JSON bodies', async () => {
    expectProblem(await post(`${gw.url}/v1/events/loose`, 'nope\n"str"\n', NDJSON), 400, 'invalid-events');
    const p = expectProblem(await post(`${gw.url}/v1/events/loose`, '[{"a":1},', JSON_CT), 400, 'malformed-json');
    expect(p.detail).toMatch(/not valid JSON/);
    const partial = await post(`${gw.url}/v1/events/arrays`, '[1, {"a":1}, null]', JSON_CT);
    expect(partial.status, partial.body).toBe(202);
    expect(partial.json()).toEqual({
      accepted: 1,
      rejected: 2,
      errors: [
        { element: 0, code: 'not_an_object', detail: 'an event must be a JSON object, got number' },
        { element: 2, code: 'not_an_object', detail: 'an event must be a JSON object, got null' },
      ],
    });
  });

  it('refuses an oversized line with 413 naming the line, writing nothing', async () => {
    const body = `{"a":1}\n{"big":"${'x'.repeat(300)}"}\n{"a":2}\n`;
    const p = expectProblem(await post(`${gw.url}/v1/events/loose`, body, NDJSON, 50), 413, 'event-too-large');
    expect(p.line).toBe(2);
    expect(p.detail).toMatch(/line 2 is larger than 200 bytes/);
  });

  it('refuses oversized bodies (declared or streamed), decompression bombs and too many events with 413', async () => {
    const big = `{"a":"${'x'.repeat(170)}"}\n`.repeat(25); // 25 events, 4500 bytes > 4000
    expectProblem(await post(`${gw.url}/v1/events/loose`, big, NDJSON), 413, 'body-too-large');
    expectProblem(await post(`${gw.url}/v1/events/loose`, big, NDJSON, 512), 413, 'body-too-large');
    // Whitespace lines hold no events: only the inflated size trips.
    const bomb = gzipSync(Buffer.from(`${' '.repeat(150)}\n`.repeat(100) + '{"a":1}\n'));
    expect(bomb.length).toBeLessThan(4000);
    expectProblem(await post(`${gw.url}/v1/events/loose`, bomb, { ...NDJSON, 'content-encoding': 'gzip' }), 413, 'body-too-large');
    expectProblem(await post(`${gw.url}/v1/events/loose`, '{"a":1}\n'.repeat(31), NDJSON), 413, 'too-many-events');
    expect(await countDocs(es, `${prefix}-loose-*`)).toBe(0);
  });

  it('refuses bad gzip, unknown encodings and content types, unknown streams and bad queries', async () => {
    expectProblem(await post(`${gw.url}/v1/events/loose`, Buffer.from('definitely not gzip'), { ...NDJSON, 'content-encoding': 'gzip' }), 400, 'invalid-encoding');
    const truncated = gzipSync('{"a":1}\n{"a":2}\n').subarray(0, 15);
    expectProblem(await post(`${gw.url}/v1/events/loose`, truncated, { ...NDJSON, 'content-encoding': 'gzip' }), 400, 'invalid-encoding');
    expectProblem(await post(`${gw.url}/v1/events/loose`, 'x', { ...NDJSON, 'content-encoding': 'compress' }), 415, 'unsupported-encoding');
    expectProblem(await post(`${gw.url}/v1/events/loose`, 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported-media-type');
    expectProblem(await post(`${gw.url}/v1/events/nosuch`, '{}', JSON_CT), 404, 'unknown-stream');
    expectProblem(await post(`${gw.url}/v1/events/Bad%20Name`, '{}', JSON_CT), 400, 'invalid-stream-name');
    expectProblem(await post(`${gw.url}/v1/events/loose?ack=sometime`, '{}', JSON_CT), 400, 'invalid-request');
    expectProblem(await post(`${gw.url}/v1/events/loose`, '', NDJSON), 400, 'no-events');
    expectProblem(await post(`${gw.url}/v2/nothing`, '{}', JSON_CT), 404, 'not-found');
    expect(await countDocs(es, `${prefix}-loose-*`)).toBe(0);
  });

  it('framed every body that reached framing on the expected thread', async () => {
    const counts = await framedBy(gw);
    // 4 bodies fail while being read (streamed past the size limit, the gzip bomb, the two bad
    // gzip bodies): the main thread frames as it reads and counts them; a worker never gets them.
    expect(counts[thread]).toBe(thread === 'main' ? 12 : 8);
    expect(counts[thread === 'main' ? 'worker' : 'main'] ?? 0).toBe(0);
  });
});
