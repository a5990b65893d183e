// The Elasticsearch-compatible API while Elasticsearch is down, with GATEWAY_ES_API_ACK=accepted
// and the durable spool: bulk requests keep being answered (each item 202 'accepted'), and once
// the node is back every acknowledged document is in the index, exactly once.
import { inject } from 'vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startElasticsearch, type ElasticsearchNode } from '../../scripts/elasticsearch.ts';
import { esClient, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';
import { waitUntil } from '../support/load.ts';

let node: ElasticsearchNode;
let gw: TestGateway;
const prefix = unique('ft-escompat');
const index = `${prefix}-logs`;

beforeAll(async () => {
  node = await startElasticsearch({ name: 'escompat-outage', version: inject('esVersion') });
  gw = await startGateway({
    GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq`,
    GATEWAY_ES_API_ACK: 'accepted',
    GATEWAY_DURABILITY: 'durable',
    ES_REQUEST_TIMEOUT_MS: '3000',
    GATEWAY_BREAKER_MIN_REQUESTS: '2',
    GATEWAY_BREAKER_RESET_MS: '1000',
    GATEWAY_RETRY_BASE_MS: '50',
    GATEWAY_RETRY_MAX_MS: '500',
    GATEWAY_REPLAY_START_EVENTS_PER_SEC: '5000',
  }, undefined, node.url);
});
afterAll(async () => {
  await gw?.close();
  await node?.stop();
});

async function send(from: number, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `d-${from + i}`);
  const body = ids.map((id, i) => `{"index":{"_id":"${id}"}}\n{"n":${from + i}}\n`).join('');
  const res = await post(`${gw.url}/${index}/_bulk`, body, { 'content-type': 'application/x-ndjson' });
  expect(res.status, res.body).toBe(200);
  const items = res.json().items as { index: { status: number; result: string; _id: string } }[];
  expect(items.every((i) => i.index.status === 202 && i.index.result === 'accepted')).toBe(true);
  return items.map((i) => i.index._id);
}

it('keeps accepting through an outage and delivers every acknowledged document once', async () => {
  const acknowledged: string[] = [];
  for (let b = 0; b < 5; b++) acknowledged.push(...await send(b * 200, 200));
  node.kill('SIGKILL');
  // During the outage: answered at once from the spool, never an invented 201.
  for (let b = 5; b < 15; b++) acknowledged.push(...await send(b * 200, 200));
  expect(gw.app.gateway.pipeline.spooledEvents).toBeGreaterThan(0);
  await node.restart();
  const es = esClient(node.url);
  try {
    const all = await waitUntil(async () => {
      try {
        await es.indices.refresh({ index, ignore_unavailable: true });
        return (await es.count({ index, ignore_unavailable: true })).count >= acknowledged.length && gw.app.gateway.pipeline.undeliveredEvents === 0;
      } catch {
        return false; // the restarted node's shards are still recovering (no_shard_available_action_exception)
      }
    }, 60_000, 500);
    expect(all).toBe(true);
    expect((await es.count({ index })).count).toBe(acknowledged.length);
    const found = await es.search({ index, size: 0, aggs: { ids: { cardinality: { field: 'n', precision_threshold: 40000 } } } });
    expect((found.aggregations?.ids as { value: number }).value).toBe(acknowledged.length);
  } finally {
    await es.close();
  }
});
