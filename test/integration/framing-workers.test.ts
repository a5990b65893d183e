// Large bodies framed by worker threads, cut into one part per worker: line numbers, ids derived
// from them (Idempotency-Key), per-item answers and the documents in the index must be exactly
// those of framing the body in one go on the main thread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDocs, deleteIndices, esClient, JSON_CT, NDJSON, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const prefix = unique('it-workers');
const es = esClient();
let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
    GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dead-letters`,
    GATEWAY_WORKERS: '2',
    GATEWAY_WORKER_MIN_BODY_BYTES: '16384',
    GATEWAY_MAX_REPORTED_ERRORS: '4',
  });
  await gw.app.gateway.warmFramingWorkers();
});
afterAll(async () => {
  await gw?.close();
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
});

// 3,000 lines (~270 kB, so several parts); every 500th line is broken; no event ids, so ids come
// from the Idempotency-Key and the line number. Line 1000's event has no @timestamp.
const LINES = Array.from({ length: 3000 }, (_, i) => {
  const line = i + 1;
  if (line % 500 === 0) return `{"n":${line}, broken`;
  const stamp = line === 999 ? '' : `"@timestamp":"2026-11-21T10:${String(line % 60).padStart(2, '0')}:00.000Z",`;
  return `{${stamp}"n":${line},"msg":"line ${line} ✓ ${'x'.repeat(line % 40)}"}`;
});
const BROKEN = [500, 1000, 1500, 2000, 2500, 3000];

async function framedBy(): Promise<Record<string, number>> {
  const metric = await gw.app.gateway.metrics.framedRequests.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.thread), v.value]));
}

describe('framing workers', () => {
  it('frame a large NDJSON body in parts with the same line numbers, ids and documents as in one go', async () => {
    const key = 'big-ndjson';
    const res = await post(`${gw.url}/v1/events/app?ack=indexed`, `${LINES.join('\r\n')}\n`, { ...NDJSON, 'idempotency-key': key });
    expect(res.status, res.body.slice(0, 500)).toBe(200);
    const out = res.json();
    expect(out.accepted).toBe(2994);
    expect(out.rejected).toBe(6);
    // The first 4 errors are listed (GATEWAY_MAX_REPORTED_ERRORS), all 6 are counted.
    expect(out.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual(BROKEN.slice(0, 4).map((l) => [l, 'invalid_json']));
    const rejectedMetric = await gw.app.gateway.metrics.eventsRejected.get();
    expect(rejectedMetric.values.map((v) => [v.labels.stream, v.labels.reason, v.value])).toEqual([['app', 'invalid_json', 6]]);
    const valid = LINES.map((_, i) => i + 1).filter((l) => !BROKEN.includes(l));
    expect(out.items.map((i: { line: number }) => i.line)).toEqual(valid);
    expect(out.items.every((i: { line: number; _id: string; result: string }) => i._id === `${key}:l${i.line}` && i.result === 'created')).toBe(true);

    expect(await countDocs(es, `${prefix}-app-*`)).toBe(2994);
    const sample = [1, 2, 499, 501, 999, 1001, 1499, 1501, 2999];
    const found = await es.search<{ n: number; '@timestamp': string }>({ index: `${prefix}-app-*`, query: { ids: { values: sample.map((l) => `${key}:l${l}`) } }, size: sample.length });
    const byId = new Map(found.hits.hits.map((h) => [h._id, h._source]));
    expect(byId.size).toBe(sample.length);
    for (const line of sample) expect(byId.get(`${key}:l${line}`)?.n).toBe(line);
    expect(byId.get(`${key}:l999`)?.['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT/); // stamped by the gateway
  });

  it('frame a large JSON array with element positions and ids', async () => {
    const key = 'big-json';
    const docs = Array.from({ length: 1500 }, (_, i) => (i === 7 ? 'not an object' : { '@timestamp': '2026-11-21T11:00:00Z', n: i, pad: 'y'.repeat(30) }));
    const res = await post(`${gw.url}/v1/events/arr?ack=indexed`, JSON.stringify(docs), { ...JSON_CT, 'idempotency-key': key });
    expect(res.status, res.body.slice(0, 500)).toBe(200);
    const out = res.json();
    expect(out).toMatchObject({ accepted: 1499, rejected: 1, errors: [{ element: 7, code: 'not_an_object' }] });
    expect(out.items[7]).toMatchObject({ element: 8, _id: `${key}:e8`, result: 'created' });
    expect(await countDocs(es, `${prefix}-arr-*`)).toBe(1499);
  });

  it('took every body onto a worker (none was framed on the main thread)', async () => {
    expect(await framedBy()).toEqual({ worker: 2 });
  });
});
