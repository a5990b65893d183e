// The gateway itself killed with SIGKILL mid-load in durable mode, restarted on the same spool:
// every event acknowledged before the kill is indexed, exactly once. Durable mode hands an append
// to the dispatcher as soon as it is synced, so with the default batching the acknowledged events
// were often all in the index before the kill. The first process holds its batches instead (a
// partial batch waits a minute; a full one is 50,000 events or 5 MB, far more than the ~3,000
// acknowledged when the kill comes): the kill finds acknowledged events not yet sent.
// gateway-restarts.test.ts kills it while batches are on their way.
import { afterAll, describe, expect, it } from 'vitest';
import { durableCrashEnv, startGatewayProcess } from '../support/gateway-process.ts';
import { deleteIndices, esClient, unique } from '../support/gateway.ts';
import { allIds, spoolDrained, startLoad, waitUntil } from '../support/load.ts';

const prefix = unique('ft-crash');
const es = esClient();

afterAll(async () => {
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
});

describe('gateway crash in durable mode', () => {
  it('indexes every event acknowledged before kill -9, exactly once, after a restart on the same spool', async () => {
    const env = durableCrashEnv(prefix);
    const first = startGatewayProcess({ ...env, GATEWAY_BATCH_MAX_AGE_MS: '60000', GATEWAY_BATCH_MAX_DOCS: '50000' });
    const url = await first.listening;
    const load = startLoad(`${url}/v1/events/crash`, { idPrefix: prefix, clients: 3, batch: 100 });
    await waitUntil(() => load.acknowledgedCount >= 3000, 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const result = await load.stop();
    const acknowledged = new Set(result.acknowledged);
    expect(acknowledged.size).toBeGreaterThanOrEqual(3000);
    const indexedBefore = (await allIds(es, `${prefix}-crash-*`)).length;
    expect(indexedBefore, 'the kill came too late to test anything').toBeLessThan(acknowledged.size);

    const second = startGatewayProcess(env);
    const url2 = await second.listening;
    try {
      const drained = await spoolDrained(url2, 90_000);
      expect(drained, second.output().slice(-2000)).toBe(true);
      const ids = await allIds(es, `${prefix}-crash-*`);
      expect(ids.length).toBe(new Set(ids).size);
      const indexed = new Set(ids);
      for (const id of acknowledged) expect(indexed.has(id), id).toBe(true);
      // Beyond the acknowledged ones, at most the requests cut off by the kill (3 clients × 100).
      expect(ids.length - acknowledged.size).toBeLessThanOrEqual(300);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
