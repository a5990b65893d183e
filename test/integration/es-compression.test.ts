// ES_COMPRESSION=gzip: bulk bodies go to the real node gzipped, and every event is indexed
// with its contents. (The node refuses a gzipped body sent without `content-encoding: gzip`,
// so documents arriving and the bytes on the wire being smaller show both halves.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDocs, deleteIndices, esClient, logEvents, NDJSON, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const prefix = unique('it-gzip');
const pattern = `${prefix}-*`;
const es = esClient();
let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ ES_COMPRESSION: 'gzip', GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_BATCH_MAX_DOCS: '1000' });
});
afterAll(async () => {
  await gw?.close();
  await deleteIndices(es, pattern);
  await es.close();
});

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

describe('gzip to Elasticsearch', () => {
  it('indexes every event, with its contents, from gzipped bulk bodies', async () => {
    const events = logEvents(5000, 'gz');
    for (let i = 0; i < 5; i++) {
      const body = events.slice(i * 1000, (i + 1) * 1000).map((e) => e.line).join('\n');
      const res = await post(`${gw.url}/v1/events/app?ack=indexed`, body, NDJSON);
      expect(res.status).toBe(200);
    }
    expect(await countDocs(es, pattern)).toBe(5000);
    const found = await es.search<Record<string, unknown>>({ index: pattern, size: 5000, query: { match_all: {} } });
    const byId = new Map(found.hits.hits.map((h) => [h._id, h._source]));
    for (const e of events) expect(byId.get(e.id), e.id).toEqual(e.doc);

    const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^es_gateway_bulk_items_total\{status="201"\} 5000$/m);
    const built = metric(metrics, 'es_gateway_batch_bytes_sum');
    const sent = metric(metrics, 'es_gateway_bulk_sent_bytes_total');
    expect(built).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(built / 3); // these log lines compress well over 3×
  });
});
