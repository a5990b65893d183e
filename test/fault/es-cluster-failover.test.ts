// A real three-node cluster on loopback behind the gateway (ES_URL lists all three): one data
// node is SIGKILLed mid-load. The client sets it aside and goes on with the other two, so the
// breaker never opens and every acknowledged event is in the index exactly once; the gateway's
// metrics show that node's failures, and once it is restarted the client sends to it again.
// Also: with ES_SNIFF=true and one node named, the client learns the other two from the cluster.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCluster, type ElasticsearchCluster } from '../../scripts/elasticsearch-cluster.ts';
import { Client } from '@elastic/elasticsearch';
import { loadConfig } from '../../src/config/config.ts';
import { createEsClient } from '../../src/sink/es-client.ts';
import { deleteIndices, startGateway, unique } from '../support/gateway.ts';
import { allIds, metricValue, phaseLog, startLoad, waitUntil } from '../support/load.ts';

let cluster: ElasticsearchCluster;

/** The per-node request counts of a metrics text, for failure messages. */
const requestLines = (metrics: string) => metrics.split('\n').filter((l) => l.startsWith('es_gateway_es_requests_total')).join('\n');

beforeAll(async () => {
  cluster = await startCluster({ size: 3, name: 'failover', version: inject('esVersion') });
}, 240_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('a three-node cluster', () => {
  it('is learnt whole from one node with ES_SNIFF=true', async () => {
    const client = createEsClient(loadConfig({ ES_URL: cluster.urls[0] as string, ES_SNIFF: 'true' }).elasticsearch, 2);
    try {
      // Sniffing on start runs in the background: the pool grows from one node to all three.
      expect(await waitUntil(() => client.client.connectionPool.size === 3, 20_000)).toBe(true);
      const seen = new Set(client.client.connectionPool.connections.map((c) => c.url.port));
      expect(seen).toEqual(new Set(cluster.nodes.map((n) => String(n.port))));
    } finally {
      await client.close();
    }
  });

  it('loses a data node mid-load: nothing acknowledged is lost or doubled, the breaker stays closed, the node is used again after its restart', async () => {
    const prefix = unique('failover');
    const streams = { streams: { orders: { index: `${prefix}-{yyyy.MM.dd}`, settings: { number_of_shards: 3, number_of_replicas: 1 } } } };
    // A paced load (each client waits 300 ms after an acknowledged batch) and a spool of 64 MiB:
    // the node's restart takes most of a minute on two shared cores, and at full speed the gateway
    // took in more than the cluster could index, then more than the final drain could clear in
    // 90 s (CI: a million events). Full, the spool answers 503 and the clients back off; nothing
    // acknowledged may be lost either way.
    const gw = await startGateway({
      GATEWAY_SPOOL_MAX_BYTES: String(64 * 1024 * 1024),
      GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq`,
      GATEWAY_BATCH_MAX_DOCS: '500',
      GATEWAY_RETRY_BASE_MS: '50',
      GATEWAY_RETRY_MAX_MS: '500',
      // The default timeout (30 s), not less: three nodes, the gateway and the load share two
      // cores, and bulks wait while the master promotes the dead node's primaries' replicas.
      ES_REQUEST_TIMEOUT_MS: '30000',
    }, streams, cluster.urls.join(','));
    const es = new Client({ nodes: cluster.urls });
    const metrics = async () => (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    try {
      const master = await cluster.master();
      const victimIndex = cluster.names.findIndex((n) => n !== master);
      const victim = cluster.nodes[victimIndex];
      if (victim === undefined) throw new Error('no data node that is not the master');
      const victimSeries = (outcome: string) => `es_gateway_es_requests_total{node="${victim.url}",outcome="${outcome}"}`;

      const log = phaseLog('failover');
      const load = startLoad(`${gw.url}/v1/events/orders`, { idPrefix: prefix, clients: 3, batch: 200, pauseMs: 300 });
      const created = async () => metricValue(await metrics(), 'es_gateway_bulk_items_total{status="201"}');
      // Kill it once the gateway is really indexing through every node (the index exists, bulk
      // requests have come back from the victim), then go on until the client has met the dead
      // node and twice as many events again are indexed.
      await waitUntil(async () => (await created()) >= 5000 && metricValue(await metrics(), victimSeries('ok')) >= 5, 90_000);
      // And every replica started: a primary lost while its replica still recovers leaves the
      // shard red, bulks to it wait out their timeout, and the breaker opening is then right.
      const health = await es.cluster.health({ index: `${prefix}-*`, wait_for_status: 'green', timeout: '120s' });
      expect(health.timed_out, `the index was ${health.status} after 120 s`).toBe(false);
      log(`green; killing at ${load.acknowledgedCount}`);
      victim.kill('SIGKILL');
      const atKill = load.acknowledgedCount;
      const createdAtKill = await created();
      await waitUntil(async () => load.acknowledgedCount >= atKill + 10_000 && (await created()) >= createdAtKill + 10_000 && metricValue(await metrics(), victimSeries('failed')) > 0, 90_000);
      const afterKill = await metrics();

      // Back on its data path; the client finds it again by pinging it, and sends to it.
      log(`victim failed seen; acked ${load.acknowledgedCount}, undelivered ${gw.app.gateway.pipeline.undeliveredEvents}`);
      await victim.restart();
      log(`restarted; acked ${load.acknowledgedCount}, undelivered ${gw.app.gateway.pipeline.undeliveredEvents}`);
      const okBefore = metricValue(await metrics(), victimSeries('ok'));
      // The client pings a dead node again after 5 s, doubled per failure up to 20 s.
      const usedAgain = await waitUntil(async () => metricValue(await metrics(), victimSeries('ok')) > okBefore + 5, 150_000, 500);
      log(`used again: ${usedAgain}`);
      const result = await load.stop();
      log(`load stopped; acked ${result.acknowledged.length}, undelivered ${gw.app.gateway.pipeline.undeliveredEvents}`);
      const drained = await waitUntil(() => gw.app.gateway.pipeline.undeliveredEvents === 0, 90_000, 500);
      const final = await metrics();
      log('drained');

      expect(drained, `undelivered: ${gw.app.gateway.pipeline.undeliveredEvents}`).toBe(true);
      expect(load.acknowledgedCount).toBeGreaterThan(atKill);
      expect(metricValue(afterKill, victimSeries('failed')), requestLines(afterKill)).toBeGreaterThan(0);
      expect(usedAgain, requestLines(final)).toBe(true);
      expect(metricValue(final, 'es_gateway_breaker_transitions_total{to="open"}'), `the reason is in the gateway's warn log ("circuit breaker open")\n${requestLines(final)}`).toBe(0);
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
