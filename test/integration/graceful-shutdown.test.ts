// SIGTERM under load: the real process (src/main.ts) stops taking events, flushes what it
// acknowledged within the bound, and exits 0; every acknowledged event is in the index.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess } from '../support/gateway-process.ts';
import { countDocs, deleteIndices, esClient, esUrl, logEvents, NDJSON, post, unique } from '../support/gateway.ts';

const prefix = unique('it-term');
const es = esClient();

afterAll(async () => {
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
});

describe('graceful shutdown', () => {
  it('flushes every acknowledged event on SIGTERM under load and exits 0', async () => {
    const gw = startGatewayProcess({
      ES_URL: esUrl(),
      GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
      GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dead-letters`,
      GATEWAY_SPOOL_DIR: mkdtempSync(path.join(os.tmpdir(), 'esgw-term-')),
      // Slow batches so that plenty is still queued when the signal arrives.
      GATEWAY_BATCH_MAX_AGE_MS: '1000',
      GATEWAY_BATCH_MAX_DOCS: '20000',
      GATEWAY_MAX_IN_FLIGHT: '1',
    });
    const url = await gw.listening;
    const acknowledged: string[] = [];
    let stop = false;
    const client = async (worker: number) => {
      for (let round = 0; !stop; round++) {
        const batch = logEvents(200, `w${worker}-r${round}`);
        try {
          const res = await post(`${url}/v1/events/load`, batch.map((e) => e.line).join('\n'), NDJSON);
          // Anything but 202 (503 while shutting down) was not acknowledged.
          if (res.status === 202) acknowledged.push(...batch.map((e) => e.id));
        } catch {
          return; // connection closed by the stopped server: not acknowledged
        }
      }
    };
    const clients = [0, 1, 2, 3].map((w) => client(w));
    await new Promise((r) => setTimeout(r, 1500));
    expect(acknowledged.length).toBeGreaterThan(0);
    gw.child.kill('SIGTERM');
    const code = await gw.exited;
    stop = true;
    await Promise.all(clients);
    expect(code, gw.output()).toBe(0);
    expect(gw.output()).toMatch(/shutting down/);

    // Every acknowledged event is there (a request cut off mid-response may add a few more).
    expect(await countDocs(es, `${prefix}-load-*`)).toBeGreaterThanOrEqual(new Set(acknowledged).size);
    const found = new Set<string>();
    let page = await es.search({ index: `${prefix}-load-*`, size: 5000, _source: false, sort: ['_doc'], scroll: '30s' });
    while (page.hits.hits.length > 0) {
      for (const h of page.hits.hits) found.add(h._id!);
      page = await es.scroll({ scroll_id: page._scroll_id!, scroll: '30s' });
    }
    for (const id of acknowledged) expect(found.has(id), id).toBe(true);
  });
});
