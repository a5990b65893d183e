// A real three-node cluster on loopback behind the gateway (ES_URL lists all three): one data
// node is SIGKILLed mid-load. The client sets it aside and goes on with the other two, so the
// breaker never opens and every acknowledged event is in the index exactly once; the gateway's
// metrics show that node's failures, and once it is restarted the client sends to it again.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCluster, type ElasticsearchCluster } from '../../scripts/elasticsearch-cluster.ts';
import { Client } from '@elastic/elasticsearch';
import { deleteIndices, startGateway, unique } from '../support/gateway.ts';
import { allIds, metricValue, startLoad, waitUntil } from '../support/load.ts';

let cluster: ElasticsearchCluster;

beforeAll(async () => {
  cluster = await startCluster({ size: 3, name: 'failover', version: inject('esVersion') });
}, 240_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('a three-node cluster', () => {
  it('loses a data node mid-load: nothing acknowledged is lost or doubled, the breaker stays closed, the node is used again after its restart', async () => {
    const prefix = unique('failover');
    const streams = { streams: { orders: { index: `${prefix}-{yyyy.MM.dd}`, settings: { number_of_shards: 3, number_of_replicas: 1 } } } };
    const gw = await startGateway({
      GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq`,
      GATEWAY_BATCH_MAX_DOCS: '500',
      GATEWAY_RETRY_BASE_MS: '50',
      GATEWAY_RETRY_MAX_MS: '500',
      ES_REQUEST_TIMEOUT_MS: '10000',
    }, streams, cluster.urls.join(','));
    const es = new Client({ nodes: cluster.urls });
    const metrics = async () => (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    try {
      const master = await cluster.master();
      const victimIndex = cluster.names.findIndex((n) => n !== master);
      const victim = cluster.nodes[victimIndex];
      if (victim === undefined) throw new Error('no data node that is not the master');
      const victimSeries = (outcome: string) => `es_gateway_es_requests_total{node="${victim.url}",outcome="${outcome}"}`;

      const load = startLoad(`${gw.url}/v1/events/orders`, { idPrefix: prefix, clients: 3, batch: 200 });
      // Kill it once the gateway is really indexing through every node.
      await waitUntil(async () => load.acknowledgedCount >= 5000 && metricValue(await metrics(), victimSeries('ok')) > 0, 60_000);
      victim.kill('SIGKILL');
      const atKill = load.acknowledgedCount;
      await waitUntil(() => load.acknowledgedCount >= atKill + 10_000, 60_000);
      const afterKill = await metrics();

      // Back on its data path; the client finds it again by pinging it, and sends to it.
      await victim.restart();
      const okBefore = metricValue(await metrics(), victimSeries('ok'));
      const usedAgain = await waitUntil(async () => metricValue(await metrics(), victimSeries('ok')) > okBefore + 5, 60_000, 500);
      const result = await load.stop();
      const drained = await waitUntil(() => gw.app.gateway.pipeline.undeliveredEvents === 0, 90_000, 500);
      const final = await metrics();

      expect(drained, `undelivered: ${gw.app.gateway.pipeline.undeliveredEvents}`).toBe(true);
      expect(load.acknowledgedCount).toBeGreaterThan(atKill);
      expect(metricValue(afterKill, victimSeries('failed')), afterKill.split('\n').filter((l) => l.startsWith('es_gateway_es_requests_total')).join('\n')).toBeGreaterThan(0);
      expect(usedAgain, final.split('\n').filter((l) => l.startsWith('es_gateway_es_requests_total')).join('\n')).toBe(true);
      expect(metricValue(final, 'es_gateway_breaker_transitions_total{to="open"}')).toBe(0);
      expect(metricValue(final, 'es_gateway_dead_letters_total{stream="orders"}')).toBe(0);

      const ids = await allIds(es, `${prefix}-*`);
      const acknowledged = new Set(result.acknowledged);
      expect(acknowledged.size).toBe(result.acknowledged.length);
      expect(ids.length).toBe(new Set(ids).size);
      expect(ids.length).toBe(acknowledged.size); // exactly once: nothing lost, nothing extra
      for (const id of ids) expect(acknowledged.has(id)).toBe(true);
    } finally {
      await gw.close();
      await deleteIndices(es, `${prefix}-*`).catch(() => {});
      await es.close();
    }
  }, 400_000);
});
