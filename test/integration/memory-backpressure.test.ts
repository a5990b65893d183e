// A gateway without a spool (memory durability only) whose queue is over high water while
// Elasticsearch is taking events: a new request waits (its socket not read) for the queue to
// drain, up to GATEWAY_SPILL_AFTER_MS, and is accepted then; past that it gets 429 with
// Retry-After and nothing of it is indexed. The queue is held over high water deterministically:
// a high water of 1 byte, and a batch age that keeps the first request's events queued.
import { afterAll, describe, expect, it } from 'vitest';
import { countDocs, deleteIndices, esClient, logEvents, NDJSON, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const prefix = unique('it-backpressure');
const es = esClient();
const gateways: TestGateway[] = [];

afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
});

async function memoryOnlyGateway(name: string, batchAgeMs: number, spillAfterMs: number): Promise<TestGateway> {
  const gw = await startGateway({
    GATEWAY_SPOOL_DIR: '',
    GATEWAY_INDEX_PATTERN: `${prefix}-${name}-{stream}-{yyyy.MM.dd}`,
    GATEWAY_DEAD_LETTER_INDEX: `${prefix}-${name}-dead-letters`,
    GATEWAY_QUEUE_HIGH_WATER_BYTES: '1',
    GATEWAY_QUEUE_MAX_BYTES: String(4 * 1024 * 1024),
    GATEWAY_BATCH_MAX_DOCS: '10000',
    GATEWAY_BATCH_MAX_AGE_MS: String(batchAgeMs),
    GATEWAY_SPILL_AFTER_MS: String(spillAfterMs),
  });
  gateways.push(gw);
  return gw;
}

const body = (idPrefix: string, n: number) => `${logEvents(n, idPrefix).map((e) => e.line).join('\n')}\n`;

async function waitIdle(gw: TestGateway, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (gw.app.gateway.pipeline.undeliveredEvents > 0) {
    if (Date.now() > deadline) throw new Error(`gateway still holds ${gw.app.gateway.pipeline.undeliveredEvents} events`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('memory durability without a spool, queue over high water', () => {
  it('holds the next request until Elasticsearch has taken the queued events, then accepts it', async () => {
    const gw = await memoryOnlyGateway('held', 800, 10_000);
    const first = await post(`${gw.url}/v1/events/app`, body('a', 100), NDJSON);
    expect(first.status, first.body).toBe(202);
    expect(gw.app.gateway.pipeline.overHighWater).toBe(true);

    const second = await post(`${gw.url}/v1/events/app`, body('b', 100), NDJSON);
    expect(second.status, second.body).toBe(202);
    expect(second.json()).toEqual({ accepted: 100, rejected: 0, errors: [] });
    // It was admitted only once the first request's batch (sent at its 800 ms age) was confirmed.
    expect(await countDocs(es, `${prefix}-held-app-*`)).toBeGreaterThanOrEqual(100);

    await waitIdle(gw);
    expect(await countDocs(es, `${prefix}-held-app-*`)).toBe(200);
    const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^es_gateway_events_accepted_total\{stream="app"\} 200$/m);
  });

  it('answers 429 with Retry-After once GATEWAY_SPILL_AFTER_MS passes, and indexes nothing of that request', async () => {
    const gw = await memoryOnlyGateway('refused', 1500, 100);
    const first = await post(`${gw.url}/v1/events/app`, body('c', 100), NDJSON);
    expect(first.status, first.body).toBe(202);

    const second = await post(`${gw.url}/v1/events/app`, body('d', 100), NDJSON);
    expect(second.status, second.body).toBe(429);
    expect(second.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(second.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(second.json()).toMatchObject({ type: 'urn:es-gateway:problem:overloaded', status: 429 });

    await waitIdle(gw);
    expect(gw.app.gateway.pipeline.overHighWater).toBe(false);
    const third = await post(`${gw.url}/v1/events/app`, body('e', 100), NDJSON);
    expect(third.status, third.body).toBe(202);
    await waitIdle(gw);
    expect(await countDocs(es, `${prefix}-refused-app-*`)).toBe(200);
    const found = await es.search({ index: `${prefix}-refused-app-*`, size: 1000, _source: false, query: { match_all: {} } });
    const ids = found.hits.hits.map((h) => h._id as string);
    expect(ids.length).toBe(200);
    expect(ids.filter((id) => id.startsWith('d-'))).toEqual([]);
    expect(new Set(ids.map((id) => id.split('-')[0]))).toEqual(new Set(['c', 'e']));
  });
});
