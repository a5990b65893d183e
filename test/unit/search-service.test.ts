// The search service against a stand-in for Elasticsearch (FAKE, named as such): for what the
// real node cannot be made to answer on demand — a 429 to a search, a 400 to a query the guard
// let through — and to see the exact request the gateway sends. The real node's answers are
// compared in test/integration/search.test.ts; outages in test/fault/search-outage.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { createEsClient, type EsClient } from '../../src/sink/es-client.ts';
import { createMetrics } from '../../src/telemetry/metrics.ts';
import { createSearchService, type SearchService } from '../../src/search/search-service.ts';

interface Seen { method: string; url: string; body: string }
let server: http.Server | undefined;
let es: EsClient | undefined;
let service: SearchService | undefined;
afterEach(async () => {
  service?.close();
  await es?.close();
  server?.closeAllConnections();
  await new Promise((r) => server === undefined ? r(undefined) : server.close(r));
  server = undefined;
});

const hits = { took: 3, timed_out: false, hits: { total: { value: 1, relation: 'eq' }, hits: [{ _id: 'a', _index: 'events-app-2026.12.02', _score: null, _source: { service: 'api' }, sort: [1764633600000] }] } };

const RESOLVED = { indices: [{ name: 'events-app-2026.12.01' }, { name: 'events-app-eu-2026.12.01' }, { name: 'events-app-2026.12.02' }], aliases: [], data_streams: [] };

async function fakeElasticsearch(answer: (seen: Seen, n: number) => [number, unknown]): Promise<{ seen: Seen[]; url: string }> {
  const seen: Seen[] = [];
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString() };
      seen.push(s);
      // Index resolution answers the same always; `answer` is for the searches.
      const [status, body] = s.url.startsWith('/_resolve/index/') ? [200, RESOLVED] : answer(s, seen.filter((x) => !x.url.startsWith('/_resolve/')).length);
      res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function serviceFor(url: string, streams?: unknown) {
  const config = loadConfig({ ES_URL: url, GATEWAY_SEARCH_BREAKER_MIN_REQUESTS: '2' }, streams ?? { streams: { app: { mappings: { properties: { service: { type: 'keyword' } } }, dynamic: 'strict' } } });
  es = createEsClient(config.elasticsearch, 4);
  const metrics = createMetrics();
  service = createSearchService({ config, es, metrics, now: Date.now });
  return { service, metrics };
}

describe('search service', () => {
  it('sends the stream\'s index expression, the window, its index filter and a timeout', async () => {
    const { seen, url } = await fakeElasticsearch(() => [200, hits]);
    const { service } = serviceFor(url);
    const out = await service.search('app', { query: { term: { service: 'api' } }, size: 1 }, { noCache: false, tenant: 't' });
    expect(out).toMatchObject({ kind: 'answer', cache: 'MISS' });
    if (out.kind !== 'answer') return;
    expect(JSON.parse(out.body.toString())).toEqual({ took: 3, timed_out: false, total: { value: 1, relation: 'eq' }, hits: [hits.hits.hits[0]], next: [1764633600000] });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /_resolve/index/events-app-*?expand_wildcards=open',
      'POST /events-app-*/_search?ignore_unavailable=true&allow_no_indices=true',
    ]);
    expect(JSON.parse(seen[1]?.body ?? '')).toEqual({
      query: { bool: { filter: [
        { range: { '@timestamp': { gte: 'now-1d', lte: 'now', format: 'strict_date_optional_time||epoch_millis' } } },
        { terms: { _index: ['events-app-2026.12.01', 'events-app-2026.12.02'] } },
      ], must: [{ term: { service: 'api' } }] } },
      size: 1,
      sort: [{ '@timestamp': { order: 'desc' } }],
      timeout: '10000ms',
    });
  });

  it('answers a 429 from the cache when it can, else as overloaded; a 429 does not open the breaker', async () => {
    const { url } = await fakeElasticsearch((_s, n) => (n === 1 ? [200, hits] : [429, { error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' }, status: 429 }]));
    const { service, metrics } = serviceFor(url);
    const body = { query: { term: { service: 'api' } } };
    expect(await service.search('app', body, { noCache: false, tenant: 't' })).toMatchObject({ kind: 'answer', cache: 'MISS' });
    for (let i = 0; i < 4; i++) expect(await service.search('app', body, { noCache: true, tenant: 't' })).toMatchObject({ kind: 'answer', cache: 'STALE' });
    const other = await service.search('app', { query: { term: { service: 'web' } } }, { noCache: false, tenant: 't' });
    expect(other).toMatchObject({ kind: 'overloaded', retryAfterSeconds: 1 });
    expect(other.kind === 'overloaded' && other.detail).toContain('rejected execution');
    expect(service.breaker.state).toBe('closed');
    expect((await metrics.registry.getSingleMetricAsString('es_gateway_search_failures_total'))).toContain('es_gateway_search_failures_total{reason="overloaded"} 5');
  });

  it('a 400 from Elasticsearch is the caller\'s problem, never stale and never a breaker failure', async () => {
    const { url } = await fakeElasticsearch(() => [400, { error: { type: 'search_phase_execution_exception', reason: 'all shards failed', root_cause: [{ type: 'parse_exception', reason: 'failed to parse date field [x]' }] }, status: 400 }]);
    const { service } = serviceFor(url);
    for (let i = 0; i < 3; i++) {
      const out = await service.search('app', { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }, { noCache: false, tenant: 't' });
      expect(out).toMatchObject({ kind: 'rejected' });
      expect(out.kind === 'rejected' && out.detail).toContain('failed to parse date field [x]');
    }
    expect(service.breaker.state).toBe('closed');
  });

  it('5xx answers open the breaker; then nothing is sent and the answer is unavailable with Retry-After', async () => {
    const { seen, url } = await fakeElasticsearch(() => [503, { error: { type: 'unavailable', reason: 'no master' }, status: 503 }]);
    const { service } = serviceFor(url);
    for (let i = 0; i < 2; i++) expect(await service.search('app', {}, { noCache: false, tenant: 't' })).toMatchObject({ kind: 'unavailable' });
    expect(service.breaker.state).toBe('open');
    const sent = seen.length;
    const out = await service.search('app', {}, { noCache: false, tenant: 't' });
    expect(out).toMatchObject({ kind: 'unavailable', retryAfterSeconds: 5 });
    expect(out.kind === 'unavailable' && out.detail).toContain('breaker open');
    expect(seen.length).toBe(sent);
  });
});
