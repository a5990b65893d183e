// End to end against the real node: NDJSON in small chunks, re-posting the same ids, ack=indexed
// per-item results, and the metrics that count them.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDocs, deleteIndices, esClient, logEvents, NDJSON, JSON_CT, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const prefix = unique('it-ingest');
const pattern = `${prefix}-*`;
const es = esClient();
let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dead-letters` });
});
afterAll(async () => {
  await gw?.close();
  await deleteIndices(es, pattern);
  await es.close();
});

const events = logEvents(10_000, 'e');

async function postAll(batches: number, chunkBytes: number) {
  const per = events.length / batches;
  for (let b = 0; b < batches; b++) {
    const body = events.slice(b * per, (b + 1) * per).map((e) => e.line).join('\n') + '\n';
    const res = await post(`${gw.url}/v1/events/app`, body, NDJSON, chunkBytes);
    expect(res.status, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: per, rejected: 0, errors: [] });
  }
}

async function waitForCount(expected: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = -1;
  while (Date.now() < deadline) {
    n = await countDocs(es, pattern.replace('*', 'app-*'));
    if (n >= expected && gw.app.gateway.pipeline.undeliveredEvents === 0) return n;
    await new Promise((r) => setTimeout(r, 200));
  }
  return n;
}

describe('NDJSON ingest into Elasticsearch', () => {
  it('indexes exactly 10,000 events posted in several requests in small chunks, with their contents', async () => {
    await postAll(5, 333);
    expect(await waitForCount(10_000)).toBe(10_000);

    const found = await es.search<Record<string, unknown>>({ index: pattern, size: 10_000, query: { match_all: {} } });
    const byId = new Map(found.hits.hits.map((h) => [h._id, h._source]));
    expect(byId.size).toBe(10_000);
    for (const e of events) expect(byId.get(e.id), e.id).toEqual(e.doc);
    expect(found.hits.hits[0]?._index).toBe(`${prefix}-app-2026.11.21`);
  });

  it('stays at exactly 10,000 when the same events are posted again, counting duplicates', async () => {
    await postAll(2, 4096);
    expect(await waitForCount(10_000)).toBe(10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(await countDocs(es, pattern)).toBe(10_000);
    const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^es_gateway_duplicates_total 10000$/m);
    expect(metrics).toMatch(/^es_gateway_events_accepted_total\{stream="app"\} 20000$/m);
    expect(metrics).toMatch(/^es_gateway_bulk_items_total\{status="201"\} 10000$/m);
    expect(metrics).toMatch(/^es_gateway_bulk_items_total\{status="409"\} 10000$/m);
    // Every ingest request so far (5 + 2) in the request-duration histogram, under its route.
    expect(metrics).toMatch(/^es_gateway_http_request_duration_seconds_count\{route="\/v1\/events\/:stream",status="202"\} 7$/m);
    expect(metrics).toMatch(/^es_gateway_http_request_duration_seconds_bucket\{le="\+Inf",route="\/v1\/events\/:stream",status="202"\} 7$/m);
    // No 429s or failed requests: the adaptive limit is still GATEWAY_MAX_IN_FLIGHT (default 4).
    expect(metrics).toMatch(/^es_gateway_bulk_concurrency_limit 4$/m);
  });

  it('answers ack=indexed with per-item results that match the index', async () => {
    const body = [
      JSON.stringify({ message: 'first', event: { id: 'ack-1' } }),
      '',
      JSON.stringify({ message: 'second' }),
      JSON.stringify({ message: 'first again', event: { id: 'ack-1' } }),
    ].join('\n');
    const res = await post(`${gw.url}/v1/events/acks?ack=indexed`, body, NDJSON);
    expect(res.status, res.body).toBe(200);
    const out = res.json();
    expect(out).toMatchObject({ accepted: 3, rejected: 0, itemErrors: false });
    expect(out.items.map((i: { line: number; result: string; status: number }) => [i.line, i.result, i.status])).toEqual([
      [1, 'created', 201],
      [3, 'created', 201],
      [4, 'duplicate', 409],
    ]);
    const docs = await es.mget<{ message: string }>({ docs: out.items.map((i: { _id: string; _index: string }) => ({ _id: i._id, _index: i._index })) });
    expect(docs.docs.map((d) => ('found' in d && d.found ? d._source?.message : null))).toEqual(['first', 'second', 'first']);
    expect(out.items[1]._id).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('takes a JSON array, a single JSON object and gzip, with Idempotency-Key ids', async () => {
    const arr = await post(`${gw.url}/v1/events/json?ack=indexed`, JSON.stringify([{ n: 1 }, { n: 2 }]), { ...JSON_CT, 'idempotency-key': 'req-42' });
    expect(arr.status, arr.body).toBe(200);
    expect(arr.json().items.map((i: { _id: string; element: number }) => [i.element, i._id])).toEqual([[0, 'req-42:e0'], [1, 'req-42:e1']]);
    const again = await post(`${gw.url}/v1/events/json?ack=indexed`, JSON.stringify([{ n: 1 }, { n: 2 }]), { ...JSON_CT, 'idempotency-key': 'req-42' });
    expect(again.json().items.map((i: { result: string }) => i.result)).toEqual(['duplicate', 'duplicate']);

    const one = await post(`${gw.url}/v1/events/json?ack=indexed`, JSON.stringify({ n: 3 }), JSON_CT);
    expect(one.status).toBe(200);
    const gz = await post(`${gw.url}/v1/events/json?ack=indexed`, gzipSync('{"n":4}\n{"n":5}\n'), { ...NDJSON, 'content-encoding': 'gzip' });
    expect(gz.status, gz.body).toBe(200);
    expect(gz.json().accepted).toBe(2);
    expect(await countDocs(es, `${prefix}-json-*`)).toBe(5);
  });

  it('reports ready and liveness', async () => {
    expect((await gw.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await gw.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode, ready.body).toBe(200);
    // The test gateways run with GATEWAY_AUTH=off, and readiness says so.
    expect(ready.json()).toEqual({ status: 'ready', elasticsearch: 'ok', warnings: ['GATEWAY_AUTH=off: every route is open to anyone who reaches the port (local development only)'] });
  });
});
