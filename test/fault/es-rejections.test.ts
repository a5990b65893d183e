// Real 429s: a second node with a one-thread, one-slot write pool rejects bulk items under
// concurrent load. Every event must still be indexed, exactly once, with the retries counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticsearch, type ElasticsearchNode } from '../../scripts/elasticsearch.ts';
import { countDocs, esClient, logEvents, NDJSON, post, startGateway, type TestGateway } from '../support/gateway.ts';

let node: ElasticsearchNode;
let gw: TestGateway;

beforeAll(async () => {
  node = await startElasticsearch({ name: 'tiny-write-pool', settings: { 'thread_pool.write.size': '1', 'thread_pool.write.queue_size': '1' } });
  gw = await startGateway({
    GATEWAY_INDEX_PATTERN: 'rej-{stream}-{yyyy.MM.dd}',
    GATEWAY_BATCH_MAX_DOCS: '250',
    GATEWAY_MAX_IN_FLIGHT: '8',
    GATEWAY_RETRY_BASE_MS: '20',
    GATEWAY_RETRY_MAX_MS: '1000',
    GATEWAY_RETRY_MAX_ATTEMPTS: '50',
  }, { streams: { many: { settings: { number_of_shards: 2, number_of_replicas: 0 } } } }, node.url);
});
afterAll(async () => {
  await gw?.close();
  await node?.stop();
});

describe('Elasticsearch rejecting bulk items (429)', () => {
  it('retries rejected items until all are indexed exactly once, and counts the retries', async () => {
    const events = logEvents(20_000, 'rej');
    const bodies = Array.from({ length: 10 }, (_, i) => events.slice(i * 2000, (i + 1) * 2000).map((e) => e.line).join('\n'));
    const responses = await Promise.all(bodies.map((b) => post(`${gw.url}/v1/events/many`, b, NDJSON)));
    expect(responses.map((r) => r.status)).toEqual(new Array(10).fill(202));

    const deadline = Date.now() + 90_000;
    while (gw.app.gateway.pipeline.undeliveredEvents > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(gw.app.gateway.pipeline.undeliveredEvents).toBe(0);

    const es = esClient(node.url);
    expect(await countDocs(es, 'rej-many-*')).toBe(20_000);
    await es.close();
    const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    // The node rejects whole bulk requests (coordinating stage) and single items (shard stage).
    const itemsRejected = Number(/^es_gateway_bulk_items_total\{status="429"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    const itemRetries = Number(/^es_gateway_retries_total\{kind="item"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    const requestRetries = Number(/^es_gateway_retries_total\{kind="request"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    expect(itemRetries).toBe(itemsRejected);
    expect(itemRetries + requestRetries).toBeGreaterThan(0);
    expect(metrics).toMatch(/^es_gateway_bulk_items_total\{status="201"\} 20000$/m);
    expect(metrics).not.toMatch(/^es_gateway_dead_letters_total\{/m);
  });
});
