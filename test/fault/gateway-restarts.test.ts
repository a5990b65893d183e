// Issue 25's guarantee under repeated crashes: a durable-mode gateway (interval fsync) under
// load is killed with SIGKILL and restarted on the same spool three times, each restart as soon
// as the old process is gone; afterwards every acknowledged id is indexed exactly once.
// The gateway listens on one fixed port throughout, so the same load keeps running across the
// kills (its requests fail while no gateway is up, and are retried as new events).
import { afterAll, describe, expect, it } from 'vitest';
import { durableCrashEnv, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { deleteIndices, esClient, unique } from '../support/gateway.ts';
import { allIds, spoolDrained, startLoad, waitUntil, type LoadResult } from '../support/load.ts';

const prefix = unique('ft-restarts');
const es = esClient();
// Inside the range the fault tests may use; fixed so the load needs no new URL after a restart.
const PORT = 9497;
const RESTARTS = 3;
const CLIENTS = 3;
const BATCH = 100;
// Acknowledged by each process before it is killed.
const ACKS_PER_LIFE = 1500;

afterAll(async () => {
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
});

async function indexedCount(): Promise<number> {
  // A count can meet a shard that is not available for a moment on the loaded test node
  // (no_shard_available_action_exception): asked again, a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      await es.indices.refresh({ index: `${prefix}-restart-*`, allow_no_indices: true, ignore_unavailable: true });
      const res = await es.count({ index: `${prefix}-restart-*`, allow_no_indices: true, ignore_unavailable: true });
      return res.count;
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('gateway restarted three times under load in durable mode', () => {
  it('indexes every acknowledged event exactly once after three kill -9s and restarts on the same spool', async () => {
    // Interval fsync (the default, named here because the test is about it) on one fixed port.
    const env = { ...durableCrashEnv(prefix), PORT: String(PORT), GATEWAY_SPOOL_FSYNC: 'interval' };
    const url = `http://127.0.0.1:${PORT}`;
    let gateway: GatewayProcess = startGatewayProcess(env);
    expect(await gateway.listening).toBe(url);
    const load = startLoad(`${url}/v1/events/restart`, { idPrefix: prefix, clients: CLIENTS, batch: BATCH });
    const spoolOnlyAtKill: number[] = [];
    let result: LoadResult;
    let looped = false;
    try {
      for (let kill = 1; kill <= RESTARTS; kill++) {
        const target = load.acknowledgedCount + ACKS_PER_LIFE;
        const acked = await waitUntil(() => load.acknowledgedCount >= target, 30_000, 50);
        expect(acked, `process ${kill} did not acknowledge ${ACKS_PER_LIFE} events:\n${gateway.output().slice(-2000)}`).toBe(true);
        gateway.child.kill('SIGKILL');
        await gateway.exited;
        const ackedAtKill = load.acknowledgedCount;
        // Restart as soon as the old process is gone; the count below runs while it starts.
        gateway = startGatewayProcess(env);
        spoolOnlyAtKill.push(ackedAtKill - (await indexedCount()));
        expect(await gateway.listening, gateway.output().slice(-2000)).toBe(url);
      }
      looped = true;
    } finally {
      result = await load.stop();
      // A failure in the loop skips the checks below and their cleanup: the gateway goes now.
      if (!looped) {
        gateway.child.kill('SIGKILL');
        await gateway.exited;
      }
    }
    try {
      const acknowledged = new Set(result.acknowledged);
      expect(acknowledged.size).toBe(result.acknowledged.length);
      expect(acknowledged.size).toBeGreaterThanOrEqual(RESTARTS * ACKS_PER_LIFE);
      // Every kill found acknowledged events not yet in Elasticsearch: otherwise it tested nothing.
      for (const [i, n] of spoolOnlyAtKill.entries()) expect(n, `kill ${i + 1} came too late to test anything`).toBeGreaterThan(0);
      const drained = await spoolDrained(url, 60_000);
      expect(drained, gateway.output().slice(-2000)).toBe(true);
      const ids = await allIds(es, `${prefix}-restart-*`);
      // Exactly once: no id twice, none acknowledged missing.
      expect(ids.length - new Set(ids).size).toBe(0);
      const indexed = new Set(ids);
      const missing = [...acknowledged].filter((id) => !indexed.has(id));
      expect(missing.length, `acknowledged but not indexed, e.g. ${missing.slice(0, 5).join(', ')}`).toBe(0);
      // Beyond the acknowledged ones, at most the requests cut off by the kills (in flight or
      // synced but not yet answered): clients × batch per kill.
      expect(ids.length - acknowledged.size).toBeLessThanOrEqual(RESTARTS * CLIENTS * BATCH);
      // Nothing went to the dead-letter index.
      expect(await es.count({ index: `${prefix}-dlq*`, allow_no_indices: true, ignore_unavailable: true }).then((r) => r.count)).toBe(0);
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
  });
});
