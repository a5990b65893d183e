// A mapping conflict in one event: that event lands in the dead-letter index with the reason,
// the others are indexed; templates make the stream's mapping explicit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDocs, deleteIndices, esClient, NDJSON, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const prefix = unique('it-dlq');
const dlq = `${prefix}-dead-letters`;
const es = esClient();
let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_DEAD_LETTER_INDEX: dlq }, {
    streams: {
      metrics: { mappings: { properties: { value: { type: 'long' }, host: { type: 'keyword' } } } },
      orders: {
        schema: { type: 'object', required: ['order_id'], properties: { order_id: { type: 'string' }, note: { type: 'string' } } },
        mappings: { properties: { order_id: { type: 'keyword' }, note: { type: 'text' } } },
      },
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
});

describe('dead letters and templates', () => {
  it('sends a mapping conflict to the dead-letter index with the reason; indexes the rest', async () => {
    const lines = [
      { event: { id: 'm1' }, host: 'a', value: 1 },
      { event: { id: 'm2' }, host: 'b', value: 'not a number' },
      { event: { id: 'm3' }, host: 'c', value: 3 },
    ].map((e) => JSON.stringify(e));
    const res = await post(`${gw.url}/v1/events/metrics?ack=indexed`, lines.join('\n'), NDJSON);
    expect(res.status, res.body).toBe(200);
    const out = res.json();
    expect(out.itemErrors).toBe(true);
    expect(out.items.map((i: { _id: string; result: string }) => [i._id, i.result])).toEqual([['m1', 'created'], ['m2', 'dead_lettered'], ['m3', 'created']]);
    expect(out.items[1].status).toBe(400);
    expect(out.items[1].error.type).toBe('document_parsing_exception');

    expect(await countDocs(es, `${prefix}-metrics-*`)).toBe(2);
    await es.indices.refresh({ index: dlq });
    const letters = await es.search<Record<string, any>>({ index: dlq, query: { match_all: {} } }); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(letters.hits.hits).toHaveLength(1);
    const letter = letters.hits.hits[0]!;
    expect(letter._id).toBe('m2');
    expect(letter._source).toMatchObject({
      event: { id: 'm2', stream: 'metrics' },
      target_index: expect.stringMatching(new RegExp(`^${prefix}-metrics-\\d{4}\\.\\d{2}\\.\\d{2}$`)),
      error: { type: 'document_parsing_exception', status: 400, reason: expect.stringContaining('[value]') },
      attempts: 1,
    });
    expect(JSON.parse(letter._source!.event.original)).toMatchObject({ event: { id: 'm2' }, host: 'b', value: 'not a number' });
    const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^es_gateway_dead_letters_total\{stream="metrics"\} 1$/m);
  });

  it('installs a strict template for a stream with a schema, and the declared mappings', async () => {
    const res = await post(`${gw.url}/v1/events/orders?ack=indexed`, '{"order_id":"o-1","note":"hello"}', NDJSON);
    expect(res.status, res.body).toBe(200);
    expect(res.json().items[0].result).toBe('created');
    const index = res.json().items[0]._index as string;
    const mapping = await es.indices.getMapping({ index });
    const m = mapping[index]!.mappings;
    expect(m.dynamic).toBe('strict');
    expect(m.properties).toMatchObject({ '@timestamp': { type: 'date' }, order_id: { type: 'keyword' }, note: { type: 'text' } });
  });
});
