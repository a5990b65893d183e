// Elasticsearch killed (connection refused) or frozen (timeouts) mid-load, then back: the
// breaker opens, the gateway keeps accepting into the spool, replays when the node is back, and
// every acknowledged event is in the index exactly once. Also: a full spool answers 503.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticsearch, type ElasticsearchNode } from '../../scripts/elasticsearch.ts';
import { startGatewayProcess } from '../support/gateway-process.ts';
import { deleteIndices, esClient, NDJSON, logEvents, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';
import { allIds, metricValue, phaseLog, startLoad, waitUntil } from '../support/load.ts';

let node: ElasticsearchNode;

beforeAll(async () => {
  node = await startElasticsearch({ name: 'outage' });
});
afterAll(async () => {
  await node?.stop();
});

const FAST_BREAKER = {
  ES_REQUEST_TIMEOUT_MS: '5000',
  GATEWAY_BREAKER_MIN_REQUESTS: '2',
  GATEWAY_BREAKER_RESET_MS: '1000',
  GATEWAY_RETRY_BASE_MS: '50',
  GATEWAY_RETRY_MAX_MS: '500',
  GATEWAY_BATCH_MAX_DOCS: '500',
  GATEWAY_REPLAY_START_EVENTS_PER_SEC: '5000',
};

async function outageRun(kind: 'SIGKILL' | 'SIGSTOP') {
  const prefix = unique(`ft-${kind.toLowerCase()}`);
  const gw: TestGateway = await startGateway({ ...FAST_BREAKER, GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq` }, undefined, node.url);
  const es = esClient(node.url);
  const log = phaseLog(kind);
  try {
    // Paced (at most ~6,000 events/s): the node's restart then spools ~100,000 events, not the
    // ~850,000 that full speed put there, which took a minute to drain.
    const load = startLoad(`${gw.url}/v1/events/load`, { idPrefix: prefix, clients: 3, batch: 200, pauseMs: 100 });
    // Kill it once it really is indexing (templates in, bulks answered).
    await waitUntil(async () => load.acknowledgedCount >= 3000 && metricValue((await gw.app.inject({ method: 'GET', url: '/metrics' })).body, 'es_gateway_bulk_items_total{status="201"}') > 0, 30_000);
    node.kill(kind);
    log(`killed at ${load.acknowledgedCount}`);
    const atOutage = load.acknowledgedCount;
    const spooledAtOutage = gw.app.gateway.pipeline.spooledEvents;
    // Keep posting through the outage: the breaker opens and events go to the spool.
    await waitUntil(() => gw.app.gateway.breakerState === 'open' && gw.app.gateway.pipeline.spooledEvents > spooledAtOutage + 2000 && load.acknowledgedCount > atOutage + 2000, 40_000);
    const metricsDuring = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    const readyDuring = await gw.app.inject({ method: 'GET', url: '/readyz' });
    log(`breaker open, spooled ${gw.app.gateway.pipeline.spooledEvents}`);
    if (kind === 'SIGKILL') await node.restart();
    else node.kill('SIGCONT');
    log(`node back, spooled ${gw.app.gateway.pipeline.spooledEvents}, acked ${load.acknowledgedCount}`);
    await new Promise((r) => setTimeout(r, 1500));
    const result = await load.stop();
    log(`load stopped, undelivered ${gw.app.gateway.pipeline.undeliveredEvents}, acked ${result.acknowledged.length}`);

    expect(metricValue(metricsDuring, 'es_gateway_breaker_state'), metricsDuring.split('\n').filter((l) => l.includes('breaker') || l.includes('spool')).join('\n')).toBeGreaterThanOrEqual(1);
    expect(readyDuring.statusCode).toBe(200);
    expect(readyDuring.json()).toMatchObject({ status: 'degraded', elasticsearch: 'unreachable', reasons: expect.arrayContaining([expect.stringMatching(/circuit breaker open/)]) });

    const drained = await waitUntil(() => gw.app.gateway.pipeline.undeliveredEvents === 0, 90_000, 500);
    expect(drained, `undelivered: ${gw.app.gateway.pipeline.undeliveredEvents}`).toBe(true);
    log('drained');

    const ids = await allIds(es, `${prefix}-load-*`);
    log('ids read');
    const acknowledged = new Set(result.acknowledged);
    expect(acknowledged.size).toBe(result.acknowledged.length);
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.length).toBe(acknowledged.size); // exactly once: nothing lost, nothing extra
    for (const id of ids) expect(acknowledged.has(id)).toBe(true);
    expect(result.statuses.get(202)).toBeGreaterThan(0);

    const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(metrics, 'es_gateway_breaker_transitions_total{to="open"}')).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, 'es_gateway_breaker_transitions_total{to="closed"}')).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, 'es_gateway_breaker_state')).toBe(0);
    expect(metricValue(metrics, 'es_gateway_spool_pending_events')).toBe(0);
    expect(metricValue(metrics, 'es_gateway_spooled_events_total')).toBeGreaterThan(0);
    // What was spooled was synced, and timed.
    expect(metricValue(metrics, 'es_gateway_spool_fsync_seconds_count{target="segment"}')).toBeGreaterThan(0);
    expect((await gw.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'ready', elasticsearch: 'ok' });
  } finally {
    await gw.close();
    await deleteIndices(es, `${prefix}-*`);
    await es.close();
  }
}

describe('Elasticsearch outages', () => {
  // Each run's waits are bounded on their own (up to 30 + 40 + 90 s, and the node's restart):
  // the test's bound is their sum, so a slow machine fails on the wait that was too slow.
  it('SIGKILL mid-load, restarted: every acknowledged event indexed exactly once, spool drained', async () => {
    await outageRun('SIGKILL');
  }, 300_000);

  it('SIGSTOP mid-load (requests hang and time out), SIGCONT: the same', async () => {
    await outageRun('SIGSTOP');
  }, 300_000);

  it('answers 503 with Retry-After once the spool is full; nothing acknowledged is lost', async () => {
    const prefix = unique('ft-full');
    const gw = await startGateway({
      ...FAST_BREAKER,
      GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
      GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq`,
      GATEWAY_SPOOL_MAX_BYTES: String(400 * 1024),
      GATEWAY_SPOOL_SEGMENT_BYTES: String(64 * 1024),
    }, undefined, node.url);
    const es = esClient(node.url);
    let nodeDown = false;
    try {
      node.kill('SIGKILL');
      nodeDown = true;
      const acknowledged: string[] = [];
      let full: Awaited<ReturnType<typeof post>> | undefined;
      // Post until the breaker has opened (bulks failing), then until the spool is full.
      const deadline = Date.now() + 60_000;
      for (let round = 0; full === undefined && Date.now() < deadline; round++) {
        const batch = logEvents(100, `${prefix}-r${round}`);
        const res = await post(`${gw.url}/v1/events/full`, batch.map((e) => e.line).join('\n'), NDJSON);
        if (res.status === 202) acknowledged.push(...batch.map((e) => e.id));
        else if (res.status === 503) full = res;
        else expect([202, 503], res.body).toContain(res.status);
        if (gw.app.gateway.breakerState === 'closed') await new Promise((r) => setTimeout(r, 50));
      }
      expect(full, 'the spool never filled up').toBeDefined();
      expect(full!.headers['retry-after']).toMatch(/^\d+$/);
      expect(full!.json()).toMatchObject({ type: 'urn:es-gateway:problem:spool-unavailable', status: 503 });
      expect(gw.app.gateway.pipeline.spooledEvents).toBeGreaterThan(0);

      await node.restart();
      nodeDown = false;
      expect(await waitUntil(() => gw.app.gateway.pipeline.undeliveredEvents === 0, 90_000, 500)).toBe(true);
      const ids = new Set(await allIds(es, `${prefix}-full-*`));
      expect(ids.size).toBe(acknowledged.length);
      for (const id of acknowledged) expect(ids.has(id)).toBe(true);
    } finally {
      if (nodeDown) await node.restart();
      await gw.close();
      await deleteIndices(es, `${prefix}-*`);
      await es.close();
    }
  });

  it('overload with Elasticsearch frozen: memory stays under its documented bound (256 MB RSS), answers are 202/429/503, no crash', async () => {
    const prefix = unique('ft-overload');
    const gw = startGatewayProcess({
      ...FAST_BREAKER,
      GATEWAY_BATCH_MAX_DOCS: '5000', // full-size bulks, as in production
      ES_URL: node.url,
      GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
      GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq`,
      GATEWAY_SPOOL_DIR: mkdtempSync(path.join(os.tmpdir(), 'esgw-overload-')),
      // Room for a few seconds of the load: then it answers 503, and the drain afterwards takes
      // seconds, not the minutes of the million events 15 s at full speed put into an uncapped spool.
      GATEWAY_SPOOL_MAX_BYTES: String(64 * 1024 * 1024),
    });
    const url = await gw.listening;
    const es = esClient(node.url);
    try {
      node.kill('SIGSTOP');
      const log = phaseLog('overload');
      log('node frozen, load starts');
      const load = startLoad(`${url}/v1/events/overload`, { idPrefix: prefix, clients: 6, batch: 500 });
      let peak = 0;
      const until = Date.now() + 15_000;
      while (Date.now() < until) {
        peak = Math.max(peak, gw.rssBytes());
        await new Promise((r) => setTimeout(r, 100));
      }
      node.kill('SIGCONT');
      log(`node resumed; peak RSS ${(peak / 1048576).toFixed(0)} MB; stopping load`);
      const result = await load.stop();
      log(`load stopped: ${JSON.stringify([...result.statuses])}, errors ${result.errors}`);
      expect(gw.child.exitCode, gw.output().slice(-2000)).toBeNull();
      expect(peak, `peak RSS ${(peak / 1048576).toFixed(0)} MB`).toBeLessThan(256 * 1024 * 1024);
      expect([...result.statuses.keys()].every((s) => [202, 429, 503].includes(s)), JSON.stringify([...result.statuses])).toBe(true);
      expect(result.errors).toBe(0);
      expect(result.acknowledged.length).toBeGreaterThan(0);

      const drained = await waitUntil(async () => {
        const m = await (await fetch(`${url}/metrics`)).text();
        return metricValue(m, 'es_gateway_spool_pending_events') === 0 && metricValue(m, 'es_gateway_queue_events') === 0;
      }, 150_000, 500);
      log(`drained: ${drained}`);
      expect(drained, gw.output().slice(-3000)).toBe(true);
      const ids = new Set(await allIds(es, `${prefix}-overload-*`));
      for (const id of result.acknowledged) expect(ids.has(id), id).toBe(true);
      process.stdout.write(`overload: peak RSS ${(peak / 1048576).toFixed(0)} MB, ${result.acknowledged.length} acknowledged, statuses ${JSON.stringify([...result.statuses])}\n`);
    } finally {
      node.kill('SIGCONT');
      gw.child.kill('SIGTERM');
      await gw.exited;
      await deleteIndices(es, `${prefix}-*`);
      await es.close();
    }
  }, 300_000);
});
