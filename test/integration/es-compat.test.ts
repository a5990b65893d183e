// The Elasticsearch-compatible API against the real node: the official client pointed at the
// gateway works unchanged (helpers.bulk, index, create, bulk), and a mixed bulk body is answered
// item for item as the node answers the same body sent to it directly.
import { gzipSync } from 'node:zlib';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteIndices, esClient, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const prefix = unique('it-escompat');
const es = esClient();
let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  gw = await startGateway({ GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq`, GATEWAY_ES_API_INDICES: `${prefix}-*,ds-${prefix}-*,-${prefix}-secret*` });
  client = new Client({ node: gw.url });
});
afterAll(async () => {
  await client?.close();
  await gw?.close();
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
});

const NDJSON = { 'content-type': 'application/x-ndjson' };

describe('the official client pointed at the gateway', () => {
  it('passes its product check and reads the cluster info', async () => {
    const info = await client.info();
    expect(info.version.number).toMatch(/^8\./);
    const head = await fetch(gw.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-elastic-product')).toBe('Elasticsearch');
  });

  it('a sniffing client learns the gateway alone and keeps writing through it', async () => {
    const sniffing = new Client({ node: gw.url, sniffOnStart: true });
    const sniffed = new Promise<unknown>((resolve) => sniffing.diagnostic.on('sniff', (err) => resolve(err)));
    try {
      const nodes = await sniffing.transport.request({ method: 'GET', path: '/_nodes/http' }) as { nodes: Record<string, { http: { publish_address: string } }> };
      expect(Object.values(nodes.nodes).map((n) => n.http.publish_address)).toEqual([new URL(gw.url).host]);
      expect(await sniffed).toBeNull();
      expect(sniffing.connectionPool.connections.map((c) => c.url.origin)).toEqual([new URL(gw.url).origin]);
      const res = await sniffing.index({ index: `${prefix}-sniffed`, id: 's', document: { v: 1 }, refresh: 'wait_for' });
      expect(res.result).toBe('created');
      expect((await es.count({ index: `${prefix}-sniffed` })).count).toBe(1);
    } finally {
      await sniffing.close();
    }
  });

  it('helpers.bulk lands 50,000 documents and its counters match the index', async () => {
    const index = `${prefix}-helpers`;
    const docs = Array.from({ length: 50_000 }, (_, i) => ({ '@timestamp': new Date(Date.UTC(2026, 11, 1) + i).toISOString(), n: i, message: `event ${i}` }));
    const stats = await client.helpers.bulk({ datasource: docs, onDocument: () => ({ create: { _index: index } }), flushBytes: 1_000_000, concurrency: 4 });
    expect(stats.total).toBe(50_000);
    expect(stats.successful).toBe(50_000);
    expect(stats.failed).toBe(0);
    await es.indices.refresh({ index });
    expect((await es.count({ index })).count).toBe(50_000);
    // Bodies this large are parsed on a framing worker thread, as /v1/events bodies are.
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(Number(/es_gateway_framed_requests_total\{thread="worker"\} (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(0);
  });

  it('index, create and bulk on single documents land, with Elasticsearch\'s answers', async () => {
    const index = `${prefix}-single`;
    const indexed = await client.index({ index, id: 'a', document: { v: 1 } });
    expect(indexed).toMatchObject({ _index: index, _id: 'a', result: 'created', _version: 1 });
    const overwritten = await client.index({ index, id: 'a', document: { v: 2 } });
    expect(overwritten).toMatchObject({ _id: 'a', result: 'updated', _version: 2 });
    const auto = await client.index({ index, document: { v: 3 } });
    expect(auto.result).toBe('created');
    expect(auto._id).toMatch(/^[0-9A-Z]{26}$/);
    const created = await client.create({ index, id: 'b', document: { v: 4 } });
    expect(created.result).toBe('created');
    await expect(client.create({ index, id: 'b', document: { v: 5 } })).rejects.toMatchObject({ meta: { statusCode: 409, body: { error: { type: 'version_conflict_engine_exception' } } } });
    const bulk = await client.bulk({ operations: [{ index: { _index: index, _id: 'c' } }, { v: 6 }, { delete: { _index: index, _id: 'a' } }], refresh: 'wait_for' });
    expect(bulk.errors).toBe(false);
    expect(bulk.items.map((i) => Object.entries(i).map(([k, v]) => [k, v.status, v.result])[0])).toEqual([['index', 201, 'created'], ['delete', 200, 'deleted']]);
    const docs = await es.search({ index, sort: ['v'], size: 10 });
    expect(docs.hits.hits.map((h) => [h._id, (h._source as { v: number }).v])).toEqual([[auto._id, 3], ['b', 4], ['c', 6]]);
  });
});

describe('a mixed body', () => {
  const body = [
    { index: { _id: '1' } }, { a: 1 },
    { create: { _id: '2' } }, { a: 2 },
    { create: { _id: '2' } }, { a: 3 },
    { index: { _id: '1' } }, { a: 5 },
    { update: { _id: 'missing' } }, { doc: { a: 1 } },
    { delete: { _id: '2' } },
    { delete: { _id: 'never' } },
    { index: { _id: '3' } }, { a: 'not a number' },
    { update: { _id: '1' } }, { doc: { b: 'y' } },
  ].map((l) => JSON.stringify(l)).join('\n') + '\n{"index":{"_id":"4"}}\n{"a": 1,\n';

  it('is answered item by item as the node answers it directly', async () => {
    const mappings = { properties: { a: { type: 'long' as const }, b: { type: 'keyword' as const } } };
    const direct = `${prefix}-mixed-direct`;
    const viaGateway = `${prefix}-mixed-gateway`;
    await es.indices.create({ index: direct, mappings });
    await es.indices.create({ index: viaGateway, mappings });
    const want = await (await fetch(`${es.connectionPool.connections[0]?.url.origin}/${direct}/_bulk`, { method: 'POST', headers: NDJSON, body })).json() as { items: Record<string, Record<string, unknown>>[] };
    const res = await post(`${gw.url}/${viaGateway}/_bulk`, body, NDJSON);
    expect(res.status, res.body).toBe(200);
    expect(res.headers['x-elastic-product']).toBe('Elasticsearch');
    const got = res.json() as { errors: boolean; items: Record<string, Record<string, unknown>>[] };
    const shape = (items: Record<string, Record<string, unknown>>[]) => items.map((i) => {
      const [action, r] = Object.entries(i)[0] as [string, Record<string, unknown>];
      return { action, status: r.status, result: r.result, error: (r.error as { type?: string } | undefined)?.type, id: ['1', '2', '3', '4', 'missing', 'never'].includes(r._id as string) ? r._id : 'generated' };
    });
    expect(shape(got.items)).toEqual(shape(want.items));
    expect(got.errors).toBe(true);
    expect(got.items.length).toBe(10);
    await es.indices.refresh({ index: [direct, viaGateway] });
    const docs = async (index: string) => (await es.search({ index, size: 100 })).hits.hits.map((h) => [h._id, h._source]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(await docs(viaGateway)).toEqual(await docs(direct));
  });

  it('a malformed body gets Elasticsearch\'s status and error type', async () => {
    for (const bad of ['{"index":{}}\n{"a":1}', '{"foo":{}}\n{}\n', 'not json\n']) {
      const direct = await fetch(`${es.connectionPool.connections[0]?.url.origin}/${prefix}-bad/_bulk`, { method: 'POST', headers: NDJSON, body: bad });
      const res = await post(`${gw.url}/${prefix}-bad/_bulk`, bad, NDJSON);
      const want = await direct.json() as { error: { type: string; reason: string } };
      expect(res.status).toBe(direct.status);
      expect(res.json().error.type).toBe(want.error.type);
      expect(res.json().error.reason).toBe(want.error.reason);
    }
  });
});

describe('shippers\' shapes', () => {
  it('gzip, application/json, and /{index}/_bulk without _index in the action lines', async () => {
    const index = `${prefix}-shipper`;
    const body = Array.from({ length: 100 }, (_, i) => `{"create":{}}\n{"n":${i}}\n`).join('');
    const gz = await post(`${gw.url}/${index}/_bulk`, gzipSync(body), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(gz.status, gz.body).toBe(200);
    expect(gz.json().errors).toBe(false);
    expect(gz.json().items.every((i: { create: { status: number; _index: string } }) => i.create.status === 201 && i.create._index === index)).toBe(true);
    await es.indices.refresh({ index });
    expect((await es.count({ index })).count).toBe(100);
  });

  it('refuses, per item, an index the configuration does not open to this API and a bad index name', async () => {
    const body = `{"index":{"_index":"${prefix}-secret-1"}}\n{"a":1}\n{"index":{"_index":"Bad"}}\n{"a":1}\n{"index":{"_index":"${prefix}-ok"}}\n{"a":1}\n{"index":{"_index":"${prefix}-ok","pipeline":"p1"}}\n{"a":1}\n`;
    const res = await post(`${gw.url}/_bulk`, body, NDJSON);
    expect(res.status, res.body).toBe(200);
    const items = res.json().items.map((i: { index: { status: number; error?: { type: string } } }) => [i.index.status, i.index.error?.type]);
    expect(items).toEqual([[403, 'security_exception'], [400, 'invalid_index_name_exception'], [201, undefined], [400, 'illegal_argument_exception']]);
    expect(await es.indices.exists({ index: `${prefix}-secret-1` })).toBe(false);
  });
});

describe('data streams and pipelines', () => {
  it('create into a data stream (as shippers do for logs-*-*), and an index without _id is written as a create', async () => {
    // Outside the prefix the suite deletes at the end: a data stream's write index cannot be
    // deleted, and the test node has no API to delete the data stream itself.
    const name = `ds-${prefix}-logs`;
    await es.indices.putIndexTemplate({ name: `${prefix}-ds`, index_patterns: [`ds-${prefix}-*`], data_stream: {}, priority: 500, template: { mappings: { properties: { '@timestamp': { type: 'date' } } } } });
    try {
      const body = `{"create":{}}\n{"@timestamp":"2026-12-02T00:00:00Z","m":1}\n{"index":{}}\n{"@timestamp":"2026-12-02T00:00:01Z","m":2}\n`;
      const res = await post(`${gw.url}/${name}/_bulk?refresh=true`, body, NDJSON);
      expect(res.status, res.body).toBe(200);
      expect(res.json().errors).toBe(false);
      expect(res.json().items.map((i: Record<string, { status: number; _index: string }>) => Object.values(i)[0]?._index)).toEqual([expect.stringMatching(/^\.ds-/), expect.stringMatching(/^\.ds-/)]);
      expect((await es.count({ index: name })).count).toBe(2);
    } finally {
      // Where the node has the data-stream admin API (a full distribution), clean up.
      await es.indices.deleteDataStream({ name }).catch(() => undefined);
      await es.indices.deleteIndexTemplate({ name: `${prefix}-ds` }).catch(() => undefined);
    }
  });

  it('an ingest pipeline the configuration allows is honoured; another is refused per item', async () => {
    await es.ingest.putPipeline({ id: `${prefix}-p1`, processors: [] });
    const allowed = await startGateway({ GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq`, GATEWAY_ES_API_PIPELINES: `${prefix}-p1` });
    try {
      const index = `${prefix}-piped`;
      const body = `{"index":{"_id":"1","pipeline":"${prefix}-p1"}}\n{"a":1}\n{"index":{"_id":"2","pipeline":"other"}}\n{"a":2}\n`;
      const res = await post(`${allowed.url}/${index}/_bulk?refresh=wait_for`, body, NDJSON);
      expect(res.status, res.body).toBe(200);
      expect(res.json().items.map((i: { index: { status: number; error?: { type: string } } }) => [i.index.status, i.index.error?.type])).toEqual([[201, undefined], [400, 'illegal_argument_exception']]);
      expect((await es.count({ index })).count).toBe(1);
    } finally {
      await allowed.close();
      await es.ingest.deletePipeline({ id: `${prefix}-p1` });
    }
  });
});
