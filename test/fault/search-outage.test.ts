// Search while Elasticsearch is frozen (SIGSTOP) and back: stale answers with their headers for
// searches seen before, 503 problem+json with Retry-After for one never seen, fresh answers
// again once the node resumes — and ingest's breaker untouched by search's.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startElasticsearch, type ElasticsearchNode } from '../../scripts/elasticsearch.ts';
import { esClient, JSON_CT, NDJSON, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';
import { metricValue, waitUntil } from '../support/load.ts';

let node: ElasticsearchNode;
let gw: TestGateway;
const prefix = unique('ft-search');

beforeAll(async () => {
  node = await startElasticsearch({ name: 'search-outage', version: inject('esVersion') });
  gw = await startGateway({
    GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
    GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq`,
    GATEWAY_SEARCH_BREAKER_MIN_REQUESTS: '2',
    GATEWAY_SEARCH_BREAKER_RESET_MS: '3000',
  }, {
    streams: {
      logs: {
        mappings: { properties: { service: { type: 'keyword' }, message: { type: 'text' } } },
        dynamic: 'strict',
        search: { cacheFresh: '1s', cacheStale: '10m', timeout: '1s' },
      },
    },
  }, node.url);
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ service: i % 2 === 0 ? 'api' : 'web', message: `m${i}` })).join('\n') + '\n';
  const res = await post(`${gw.url}/v1/events/logs?ack=indexed`, lines, NDJSON);
  expect(res.status, res.body).toBe(200);
  const es = esClient(node.url);
  await es.indices.refresh({ index: `${prefix}-*` });
  await es.close();
});
afterAll(async () => {
  node?.kill('SIGCONT');
  await gw?.close();
  await node?.stop();
});

const search = (body: unknown) => post(`${gw.url}/v1/search/logs`, JSON.stringify(body), JSON_CT);

it('serves stale answers while the node is frozen, 503 for a search never seen, fresh ones after', async () => {
  const seen = { query: { term: { service: 'api' } }, size: 5 };
  const fresh = await search(seen);
  expect(fresh.status, fresh.body).toBe(200);
  expect(fresh.headers['x-cache']).toBe('MISS');
  expect(fresh.json().total).toEqual({ value: 25, relation: 'eq' });

  node.kill('SIGSTOP');
  try {
    await new Promise((r) => setTimeout(r, 1100)); // past the fresh TTL
    // The first ones wait for the search timeout; once the breaker is open they do not.
    for (let i = 0; i < 3; i++) {
      const stale = await search(seen);
      expect(stale.status).toBe(200);
      expect(stale.headers['x-cache']).toBe('STALE');
      expect(stale.headers.warning).toBe('110 - "Response is Stale"');
      expect(Number(stale.headers.age)).toBeGreaterThanOrEqual(1);
      expect(stale.body).toBe(fresh.body);
    }
    expect(gw.app.gateway.breakerState).toBe('closed'); // ingest's breaker saw no failure
    const never = await search({ query: { term: { service: 'db' } } });
    expect(never.status).toBe(503);
    expect(never.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(never.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(never.json()).toMatchObject({ type: 'urn:es-gateway:problem:search-unavailable', status: 503 });
    const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(metrics, 'es_gateway_search_cache_total{result="stale"}')).toBe(3);
    expect(metricValue(metrics, 'es_gateway_search_breaker_state')).toBe(2);
  } finally {
    node.kill('SIGCONT');
  }
  // Back: once the breaker lets a search through, answers are fresh again.
  expect(await waitUntil(async () => (await search(seen)).headers['x-cache'] === 'MISS', 30_000, 300)).toBe(true);
  const after = await search({ query: { term: { service: 'db' } } });
  expect(after.status).toBe(200);
  expect(after.json().total).toEqual({ value: 0, relation: 'eq' });
});
