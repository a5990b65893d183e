// The search proxy against the real node: each allowed clause and aggregation answers what the
// same query sent straight to Elasticsearch answers; guardrails refuse before Elasticsearch sees
// anything; the cache serves hits, coalesces identical misses into one search (read from the
// node's search stats) and stays within its byte bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteIndices, esClient, JSON_CT, NDJSON, post, startGateway, unique, type HttpResult, type TestGateway } from '../support/gateway.ts';
import { metricValue } from '../support/load.ts';

const prefix = unique('it-search');
const es = esClient();
const STREAM = 'shop';
const pattern = `${prefix}-${STREAM}-*`;
const base = Date.now();
const windowFrom = new Date(base - 3 * 86_400_000).toISOString();
const windowTo = new Date(base + 3_600_000).toISOString();
const COUNT = 240;
const SERVICES = ['api', 'web', 'db', 'auth'];
const WORDS = ['timeout', 'connected', 'refused', 'slow', 'cached'];

const mappings = {
  properties: {
    message: { type: 'text', fields: { keyword: { type: 'keyword' } } },
    service: { type: 'keyword' },
    status: { type: 'integer' },
    latency_ms: { type: 'double' },
    ok: { type: 'boolean' },
    host: { properties: { name: { type: 'keyword' } } },
    event: { properties: { id: { type: 'keyword' } } },
  },
};

function docs() {
  return Array.from({ length: COUNT }, (_, i) => ({
    // Spread over the last 40 hours: two or three daily indices.
    '@timestamp': new Date(base - i * 600_000).toISOString(),
    event: { id: `s-${i}` },
    message: `request ${i} ${WORDS[i % WORDS.length]} on node-${i % 7}`,
    service: SERVICES[i % SERVICES.length],
    status: [200, 201, 404, 500, 503][i % 5],
    latency_ms: (i * 37) % 1000 / 10,
    ok: i % 3 !== 0,
    host: { name: `h${i % 6}` },
  }));
}

let gw: TestGateway;
let small: TestGateway;

const streams = {
  streams: {
    [STREAM]: { mappings, dynamic: 'strict', search: { allow: ['query_string', 'wildcard', 'regexp'], maxBuckets: 2000 } },
    plain: { mappings, dynamic: 'strict' },
  },
};

function search(body: unknown, headers: Record<string, string> = {}, stream = STREAM, g = gw): Promise<HttpResult> {
  return post(`${g.url}/v1/search/${stream}`, JSON.stringify(body), { ...JSON_CT, ...headers });
}

async function get(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await fetch(url, { headers });
  const body = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), body, json: () => JSON.parse(body) };
}

/** The same search sent straight to Elasticsearch: the user's query inside the time window. */
async function direct(body: { query?: unknown; sort?: unknown; size?: number; aggs?: unknown }) {
  return es.search({
    index: pattern,
    query: { bool: { filter: [{ range: { '@timestamp': { gte: windowFrom, lte: windowTo } } }], ...(body.query === undefined ? {} : { must: [body.query as never] }) } },
    sort: (body.sort ?? [{ '@timestamp': { order: 'desc' } }]) as never,
    size: body.size ?? 10,
    ...(body.aggs === undefined ? {} : { aggs: body.aggs as never }),
  });
}

/** Queries on the node's indices of this stream so far (one per shard searched). */
async function searchesOnNode(): Promise<number> {
  const stats = await es.indices.stats({ index: pattern, metric: 'search' });
  return stats._all.total?.search?.query_total ?? 0;
}

beforeAll(async () => {
  const env = { GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq`, GATEWAY_UNKNOWN_STREAMS: 'reject' };
  gw = await startGateway(env, streams);
  small = await startGateway({ ...env, GATEWAY_SEARCH_CACHE_MAX_BYTES: '32768' }, streams);
  const res = await post(`${gw.url}/v1/events/${STREAM}?ack=indexed`, docs().map((d) => JSON.stringify(d)).join('\n') + '\n', NDJSON);
  expect(res.status, res.body).toBe(200);
  expect(res.json().accepted).toBe(COUNT);
  await es.indices.refresh({ index: pattern });
});
afterAll(async () => {
  await gw?.close();
  await small?.close();
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
});

const CLAUSES: Record<string, unknown> = {
  match: { match: { message: 'timeout' } },
  match_phrase: { match_phrase: { message: 'timeout on' } },
  multi_match: { multi_match: { query: 'refused api', fields: ['message', 'service'] } },
  term: { term: { service: 'db' } },
  terms: { terms: { status: [404, 503] } },
  range: { range: { latency_ms: { gte: 20, lt: 60 } } },
  exists: { exists: { field: 'host.name' } },
  prefix: { prefix: { 'host.name': 'h1' } },
  ids: { ids: { values: ['s-3', 's-30', 's-31'] } },
  simple_query_string: { simple_query_string: { query: 'slow +node-3', fields: ['message'] } },
  query_string: { query_string: { query: 'service:auth AND status:[500 TO 599]' } },
  wildcard: { wildcard: { 'message.keyword': { value: 'request 1*' } } },
  regexp: { regexp: { 'host.name': 'h[24]' } },
  bool: { bool: { must: [{ match: { message: 'cached' } }], filter: [{ term: { ok: true } }], must_not: [{ term: { service: 'web' } }], should: [{ term: { status: 200 } }] } },
  match_all: { match_all: {} },
};

const AGGS: Record<string, unknown> = {
  terms: { by_service: { terms: { field: 'service', size: 10 } } },
  date_histogram: { per_hour: { date_histogram: { field: '@timestamp', fixed_interval: '1h' } } },
  histogram: { latency: { histogram: { field: 'latency_ms', interval: 10, hard_bounds: { min: 0, max: 100 } } } },
  range: { statuses: { range: { field: 'status', ranges: [{ to: 300 }, { from: 300, to: 500 }, { from: 500 }] } } },
  metrics: {
    avg: { avg: { field: 'latency_ms' } },
    min: { min: { field: 'latency_ms' } },
    max: { max: { field: 'latency_ms' } },
    sum: { sum: { field: 'status' } },
    count: { value_count: { field: 'service' } },
    hosts: { cardinality: { field: 'host.name' } },
    p: { percentiles: { field: 'latency_ms', percents: [50, 99] } },
  },
  nested: { by_service: { terms: { field: 'service' }, aggs: { slowest: { max: { field: 'latency_ms' } } } } },
};

describe('answers equal Elasticsearch\'s own', () => {
  it.each(Object.entries(CLAUSES))('%s', async (_name, query) => {
    const res = await search({ query, from: windowFrom, to: windowTo, size: 50 });
    expect(res.status, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const got = res.json();
    const want = await direct({ query, size: 50 });
    expect(want.hits.hits.length).toBeGreaterThan(0);
    expect(got.hits.map((h: { _id: string }) => h._id)).toEqual(want.hits.hits.map((h) => h._id));
    expect(got.hits.map((h: { _source: unknown }) => h._source)).toEqual(want.hits.hits.map((h) => h._source));
    expect(got.total).toEqual(want.hits.total);
    expect(got.timed_out).toBe(false);
  });

  it.each(Object.entries(AGGS))('aggregation %s', async (_name, aggs) => {
    const res = await search({ aggs, size: 0, from: windowFrom, to: windowTo });
    expect(res.status, res.body).toBe(200);
    const want = await direct({ aggs, size: 0 });
    expect(res.json().aggregations).toEqual(want.aggregations);
    expect(res.json().total).toEqual(want.hits.total);
  });

  it('sorts and pages with the next cursor', async () => {
    const sort = [{ status: 'desc' }, { '@timestamp': 'asc' }];
    const want = await direct({ sort, size: 20 });
    const first = (await search({ sort, size: 10, from: windowFrom, to: windowTo })).json();
    expect(first.next).toEqual(first.hits[9].sort);
    const second = (await search({ sort, size: 10, search_after: first.next, from: windowFrom, to: windowTo })).json();
    expect([...first.hits, ...second.hits].map((h: { _id: string }) => h._id)).toEqual(want.hits.hits.map((h) => h._id));
  });

  it('GET ?q= is a simple_query_string over the stream\'s fields', async () => {
    const url = `${gw.url}/v1/search/${STREAM}?q=${encodeURIComponent('refused -api')}&from=${windowFrom}&to=${windowTo}&size=30&sort=status:desc,@timestamp`;
    const res = await get(url);
    expect(res.status, res.body).toBe(200);
    const fields = ['event.id', 'host.name', 'message', 'message.keyword', 'service'];
    const want = await direct({ query: { simple_query_string: { query: 'refused -api', fields } }, sort: [{ status: 'desc' }, { '@timestamp': 'asc' }], size: 30 });
    expect(want.hits.hits.length).toBeGreaterThan(0);
    expect(res.json().hits.map((h: { _id: string }) => h._id)).toEqual(want.hits.hits.map((h) => h._id));
  });

  it('reads one event by its _id, 404 problem+json when absent', async () => {
    const res = await get(`${gw.url}/v1/events/${STREAM}/s-42`);
    expect(res.status, res.body).toBe(200);
    expect(res.json()).toEqual({ _id: 's-42', _index: expect.stringMatching(new RegExp(`^${prefix}-${STREAM}-\\d{4}\\.\\d{2}\\.\\d{2}$`)), _source: docs()[42] });
    const missing = await get(`${gw.url}/v1/events/${STREAM}/no-such-event`);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.json()).toMatchObject({ type: 'urn:es-gateway:problem:event-not-found', status: 404 });
  });

  it('nothing from the request becomes an index name: _all, wildcards, lists, date math, dot names are 400', async () => {
    for (const name of ['_all', 'shop*', 'shop,plain', '%3Cshop-%7Bnow%2Fd%7D%3E', '.security', 'Shop']) {
      const res = await search({}, {}, name);
      expect(res.status, name).toBe(400);
      expect(res.json().type).toBe('urn:es-gateway:problem:invalid-stream-name');
      const byId = await get(`${gw.url}/v1/events/${name}/s-1`);
      expect(byId.status, name).toBe(400);
    }
  });

  it('a stream the configuration does not know is 404 (unknown streams refused)', async () => {
    const res = await search({});
    expect(res.status).toBe(200);
    const unknown = await search({}, {}, 'nope');
    expect(unknown.status).toBe(404);
    expect(unknown.json().type).toBe('urn:es-gateway:problem:unknown-stream');
  });
});

describe('guardrails refuse before Elasticsearch sees the search', () => {
  const refused: [string, unknown, string, string, string][] = [
    ['an unmapped field', { query: { term: { password: 'x' } } }, 'unknown-field', 'query.term.password', 'password'],
    ['a text field in a sort', { sort: [{ message: 'asc' }] }, 'not-sortable', 'sort[0].message', 'message.keyword'],
    ['a terms aggregation over a text field', { aggs: { m: { terms: { field: 'message' } } } }, 'not-aggregatable', 'aggs.m.terms.field', 'message.keyword'],
    ['a one-sided time range', { from: windowFrom }, 'time-range', 'to', 'both'],
    ['a window wider than 7 days', { from: 'now-8d', to: 'now' }, 'window-too-wide', 'from', '7d'],
    ['size over the cap', { size: 5000 }, 'max-size', 'size', '1000'],
    ['a deep page', { offset: 9995, size: 10 }, 'max-result-window', 'offset', 'search_after'],
    ['a script', { query: { script: { script: 'true' } } }, 'clause-not-allowed', 'query.script', 'never'],
    ['runtime mappings', { runtime_mappings: { x: { type: 'keyword' } } }, 'parameter-not-allowed', 'runtime_mappings', 'never'],
    ['a leading wildcard', { query: { wildcard: { service: '*pi' } } }, 'leading-wildcard', 'query.wildcard.service', 'leading'],
    ['a terms lookup', { query: { terms: { service: { index: 'secrets', id: '1', path: 'x' } } } }, 'parameter-not-allowed', 'query.terms.service', 'lookup'],
    ['three levels of aggregations', { aggs: { a: { terms: { field: 'service' }, aggs: { b: { terms: { field: 'status' }, aggs: { c: { max: { field: 'status' } } } } } } } }, 'aggregation-depth', 'aggs.a.aggs.b.aggs', '2'],
    ['too many buckets', { from: 'now-7d', to: 'now', aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1m' } } } }, 'max-buckets', 'aggs.h', '2000'],
  ];

  it.each(refused)('%s', async (_name, body, rule, path, phrase) => {
    const before = await searchesOnNode();
    const res = await search(body);
    expect(res.status, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem).toMatchObject({ type: 'urn:es-gateway:problem:search-guardrail', status: 400, rule, path });
    expect(problem.detail).toContain(phrase);
    expect(await searchesOnNode()).toBe(before);
  });

  it('query_string, wildcard and regexp are refused where the stream does not enable them', async () => {
    for (const query of [{ query_string: { query: 'x' } }, { wildcard: { service: 'a*' } }, { regexp: { service: 'a.*' } }]) {
      const res = await search({ query }, {}, 'plain');
      expect(res.status, res.body).toBe(400);
      expect(res.json()).toMatchObject({ rule: 'clause-not-enabled', path: `query.${Object.keys(query)[0]}` });
    }
  });
});

describe('cache', () => {
  it('serves a fresh hit with Age; no-cache asks Elasticsearch again', async () => {
    const body = { query: { term: { service: 'api' } }, size: 3 };
    const first = await search(body);
    expect(first.headers['x-cache']).toBe('MISS');
    const before = await searchesOnNode();
    const second = await search({ size: 3, query: { term: { service: 'api' } } }); // keys in another order: the same search
    expect(second.headers['x-cache']).toBe('HIT');
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(0);
    expect(second.body).toBe(first.body);
    expect(await searchesOnNode()).toBe(before);
    const bypass = await search(body, { 'cache-control': 'no-cache' });
    expect(bypass.headers['x-cache']).toBe('MISS');
    expect(await searchesOnNode()).toBeGreaterThan(before);
  });

  it('20 identical concurrent misses make one search on the node', async () => {
    // One search's cost in the node's stats (one query per shard it searched).
    const probe = { query: { term: { service: 'db' } }, size: 1, from: windowFrom, to: windowTo };
    let before = await searchesOnNode();
    expect((await search(probe)).headers['x-cache']).toBe('MISS');
    const oneSearch = (await searchesOnNode()) - before;
    expect(oneSearch).toBeGreaterThan(0);

    const body = { query: { term: { service: 'web' } }, size: 2, from: windowFrom, to: windowTo };
    before = await searchesOnNode();
    const answers = await Promise.all(Array.from({ length: 20 }, () => search(body)));
    expect(await searchesOnNode()).toBe(before + oneSearch);
    const kinds = answers.map((a) => a.headers['x-cache']);
    // One went to the node; each other one joined it (COALESCED) or, arriving after it was
    // answered, found it cached (HIT). Which of the two is timing (a fast node answers before
    // the last of 20 requests is through the hooks); joining itself is unit-tested
    // (test/unit/search-cache.test.ts, SingleFlight).
    expect(kinds.filter((k) => k === 'MISS')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'COALESCED' || k === 'HIT')).toHaveLength(19);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(metrics, 'es_gateway_search_cache_total{result="coalesced"}')).toBe(kinds.filter((k) => k === 'COALESCED').length);
  });

  it('never holds more bytes than its bound', async () => {
    const bound = 32768;
    const n = 200;
    for (let i = 0; i < n; i++) {
      const res = await search({ query: { term: { 'host.name': `h${i}` } }, size: 1 }, {}, STREAM, small);
      expect(res.status).toBe(200);
      const metrics = (await small.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metricValue(metrics, 'es_gateway_search_cache_bytes')).toBeLessThanOrEqual(bound);
    }
    const metrics = (await small.app.inject({ method: 'GET', url: '/metrics' })).body;
    const entries = metricValue(metrics, 'es_gateway_search_cache_entries');
    expect(entries).toBeGreaterThan(10);
    expect(entries).toBeLessThan(n);
    // The newest is still there; the oldest was evicted.
    expect((await search({ query: { term: { 'host.name': `h${n - 1}` } }, size: 1 }, {}, STREAM, small)).headers['x-cache']).toBe('HIT');
    expect((await search({ query: { term: { 'host.name': 'h0' } }, size: 1 }, {}, STREAM, small)).headers['x-cache']).toBe('MISS');
  });
});

describe('streams without configured mappings', () => {
  it('search by the cluster\'s mappings, learn new fields, and never reach another stream\'s indices', async () => {
    const open = await startGateway({ GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq` });
    try {
      const at = new Date(base).toISOString();
      for (const [stream, n] of [['app', 3], ['app-eu', 5]] as const) {
        const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ '@timestamp': at, service: stream, n: i })).join('\n') + '\n';
        expect((await post(`${open.url}/v1/events/${stream}?ack=indexed`, lines, NDJSON)).status).toBe(200);
      }
      await es.indices.refresh({ index: `${prefix}-app*` });
      // `events-app-*` matches app-eu's indices too; the gateway searches app's own only.
      const app = await search({ aggs: { s: { terms: { field: 'service.keyword' } } }, size: 10 }, {}, 'app', open);
      expect(app.status, app.body).toBe(200);
      expect(app.json().total).toEqual({ value: 3, relation: 'eq' });
      expect(app.json().aggregations.s.buckets).toEqual([{ key: 'app', doc_count: 3 }]);
      expect(new Set(app.json().hits.map((h: { _index: string }) => h._index))).toEqual(new Set([`${prefix}-app-${at.slice(0, 10).replaceAll('-', '.')}`]));
      // Text fields of a dynamic mapping are not sortable; their keyword sub-field is suggested.
      const textSort = await search({ sort: ['service'] }, {}, 'app', open);
      expect(textSort.json()).toMatchObject({ rule: 'not-sortable', path: 'sort[0]' });
      expect(textSort.json().detail).toContain('service.keyword');
      // A field mapped after the stream's fields were read is learnt on first use.
      expect((await search({ query: { term: { region: 'eu' } } }, {}, 'app', open)).json().rule).toBe('unknown-field');
      await new Promise((r) => setTimeout(r, 2100)); // the fields are read again at most every 2 s
      await post(`${open.url}/v1/events/app?ack=indexed`, JSON.stringify({ '@timestamp': at, service: 'app', region: 'eu' }) + '\n', NDJSON);
      await es.indices.refresh({ index: `${prefix}-app-*` });
      const learnt = await search({ query: { term: { 'region.keyword': 'eu' } } }, {}, 'app', open);
      expect(learnt.status, learnt.body).toBe(200);
      expect(learnt.json().total).toEqual({ value: 1, relation: 'eq' });
    } finally {
      await open.close();
    }
  });
});
