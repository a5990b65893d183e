// Search and event reads of a stream, end to end: the stream's target and fields, the guard, the
// cache, identical searches coalesced, the search breaker, Elasticsearch, and the fallback to a
// stale answer when Elasticsearch fails.
import { errors } from '@elastic/elasticsearch';
import type { GatewayConfig } from '../config/config.ts';
import { DEFAULT_STREAM_SEARCH, type StreamSearchConfig } from '../config/stream-search.ts';
import { EsRequestError, type EsClient } from '../sink/es-client.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { createSearchBreaker, SearchNotSentError, type SearchBreaker } from './search-breaker.ts';
import { SearchCache, SingleFlight } from './search-cache.ts';
import { guardSearch, type Refusal } from './search-guard.ts';
import { esSearchBody, eventCacheKey, narrowedTo, searchCacheKey } from './search-request.ts';
import { searchAnswer, type EsSearchResponse } from './search-answer.ts';
import { searchTarget } from './search-target.ts';
import { StreamFields, type FieldSource } from './stream-fields.ts';
import { StreamIndices } from './stream-indices.ts';

export type CacheResult = 'MISS' | 'HIT' | 'COALESCED' | 'STALE';

export type SearchOutcome =
  | { kind: 'answer'; body: Buffer; cache: CacheResult; ageSeconds?: number }
  | { kind: 'refused'; refusal: Refusal }
  | { kind: 'unknown-stream' }
  | { kind: 'not-found' }
  /** Elasticsearch refused the search as bad (4xx other than 429). */
  | { kind: 'rejected'; detail: string }
  | { kind: 'overloaded'; retryAfterSeconds: number; detail: string }
  | { kind: 'unavailable'; retryAfterSeconds: number; detail: string };

export interface SearchOptions {
  /** Cache-Control: no-cache: a fresh cached answer is not used. */
  noCache: boolean;
  /** The caller's tenant (its API key's): cached answers and coalesced searches are never shared across tenants. */
  tenant: string;
}

interface Stream extends FieldSource {
  search: StreamSearchConfig;
  timeoutMs: number;
}

/** Why a search sent to Elasticsearch failed, for the answer and the metric. */
interface Failure {
  reason: 'breaker_open' | 'busy' | 'timeout' | 'unreachable' | 'unavailable' | 'overloaded' | 'rejected';
  detail: string;
}

/** A search sent and answered: the answer to send, and whether it may be cached. */
interface Fetched {
  body: Buffer | undefined;
  cacheable: boolean;
}

export interface SearchService {
  search(stream: string, input: unknown, options: SearchOptions): Promise<SearchOutcome>;
  getEvent(stream: string, id: string, options: SearchOptions): Promise<SearchOutcome>;
  readonly breaker: SearchBreaker;
  readonly cache: SearchCache;
  close(): void;
}

export interface SearchServiceDeps {
  config: GatewayConfig;
  es: EsClient;
  metrics: Metrics;
  now: () => number;
  onBreakerChange?: (state: SearchBreaker['state']) => void;
}

export function createSearchService(deps: SearchServiceDeps): SearchService {
  const { config, es, metrics, now } = deps;
  const breaker = createSearchBreaker({ ...config.search.breaker, capacity: config.search.maxInFlight }, now);
  const STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
  breaker.onStateChange((state) => {
    metrics.searchBreakerState.set(STATE_VALUE[state]);
    deps.onBreakerChange?.(state);
  });
  const cache = new SearchCache(config.search.cacheMaxBytes, now);
  metrics.readSearchCache(cache);
  const flights = new SingleFlight<Fetched>();
  const fields = new StreamFields(es, config.search.timeoutMs, now, (read) => breaker.fire(read));
  const indices = new StreamIndices(es, now);
  const streams = new Map<string, Stream>();

  function streamOf(name: string): Stream | undefined {
    let s = streams.get(name);
    if (s !== undefined) return s;
    const configured = config.streams.get(name);
    if (configured === undefined && config.unknownStreams === 'reject') return undefined;
    const search = configured?.search ?? DEFAULT_STREAM_SEARCH;
    s = {
      name,
      target: searchTarget(configured?.index ?? config.defaultIndexPattern, name),
      mappings: configured?.mappings,
      dynamic: configured === undefined || configured.dynamic === 'true' || configured.dynamic === 'runtime',
      search,
      timeoutMs: search.timeoutMs ?? config.search.timeoutMs,
    };
    streams.set(name, s);
    return s;
  }

  function failureOf(err: unknown): Failure {
    if (err instanceof SearchNotSentError) return { reason: err.reason === 'open' ? 'breaker_open' : 'busy', detail: err.message };
    if (err instanceof errors.ResponseError) {
      const status = err.statusCode ?? 0;
      const cause = (err.body as { error?: { root_cause?: { reason?: string }[]; reason?: string; type?: string } } | undefined)?.error;
      const reason = cause?.root_cause?.[0]?.reason ?? cause?.reason ?? err.message;
      if (status === 429) return { reason: 'overloaded', detail: `Elasticsearch is overloaded (429): ${reason}` };
      if (status >= 400 && status < 500) return { reason: 'rejected', detail: `Elasticsearch refused the search (${status} ${cause?.type ?? ''}): ${reason}` };
      return { reason: 'unavailable', detail: `Elasticsearch answered ${status}: ${reason}` };
    }
    if (err instanceof EsRequestError) {
      if (err.statusCode === undefined) return failureOf(err.cause);
      if (err.statusCode === 429) return { reason: 'overloaded', detail: err.message };
      return { reason: err.statusCode < 500 ? 'rejected' : 'unavailable', detail: err.message };
    }
    if (err instanceof errors.TimeoutError) return { reason: 'timeout', detail: 'Elasticsearch did not answer in time' };
    // The client's message names the node's address, which clients of the gateway need not know.
    const code = (err as { code?: unknown; cause?: { code?: unknown } }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
    return { reason: 'unreachable', detail: `Elasticsearch is unreachable${typeof code === 'string' ? ` (${code})` : ''}` };
  }

  /** Sends one search (coalesced with identical ones in flight) and answers from its result or, failing, from the cache. */
  async function fetchAnswer(query: string, stream: Stream, send: () => Promise<Fetched>, options: SearchOptions): Promise<SearchOutcome> {
    const key = `${options.tenant}\n${query}`;
    const cached = cache.lookup(key);
    if (cached?.fresh === true && !options.noCache) {
      metrics.searchCache.inc({ result: 'hit' });
      return { kind: 'answer', body: cached.answer.body, cache: 'HIT', ageSeconds: Math.floor(cached.ageMs / 1000) };
    }
    const flight = flights.run(key, async () => {
      const started = now();
      try {
        const fetched = await breaker.fire(send);
        metrics.searchDuration.observe({ outcome: 'ok' }, (now() - started) / 1000);
        if (fetched.cacheable && fetched.body !== undefined) cache.store(key, fetched.body, stream.search.freshMs, stream.search.staleMs);
        return fetched;
      } catch (err) {
        if (!(err instanceof SearchNotSentError)) metrics.searchDuration.observe({ outcome: 'error' }, (now() - started) / 1000);
        throw err;
      }
    });
    try {
      const fetched = await flight.result;
      metrics.searchCache.inc({ result: flight.joined ? 'coalesced' : 'miss' });
      if (fetched.body === undefined) return { kind: 'not-found' };
      return { kind: 'answer', body: fetched.body, cache: flight.joined ? 'COALESCED' : 'MISS' };
    } catch (err) {
      const failure = failureOf(err);
      metrics.searchFailures.inc({ reason: failure.reason });
      if (failure.reason === 'rejected') return { kind: 'rejected', detail: failure.detail };
      const stale = cache.lookup(key);
      if (stale !== undefined) {
        metrics.searchCache.inc({ result: 'stale' });
        return { kind: 'answer', body: stale.answer.body, cache: 'STALE', ageSeconds: Math.floor(stale.ageMs / 1000) };
      }
      const retryAfterSeconds = breaker.retryAfterSeconds();
      if (failure.reason === 'overloaded') return { kind: 'overloaded', retryAfterSeconds, detail: failure.detail };
      return { kind: 'unavailable', retryAfterSeconds, detail: failure.detail };
    }
  }

  /** One search of the stream's own indices, with the search timeout and the request timeout. */
  async function searchOwnIndices(stream: Stream, body: Record<string, unknown>): Promise<EsSearchResponse> {
    const own = await indices.of(stream.target, stream.timeoutMs);
    return await es.client.search({
      index: stream.target.index,
      ignore_unavailable: true,
      allow_no_indices: true,
      ...narrowedTo(body, own),
      timeout: `${stream.timeoutMs}ms`,
    }, { requestTimeout: stream.timeoutMs + 1000 }) as EsSearchResponse;
  }

  async function search(name: string, input: unknown, options: SearchOptions): Promise<SearchOutcome> {
    const stream = streamOf(name);
    if (stream === undefined) return { kind: 'unknown-stream' };
    let catalog;
    try {
      catalog = await fields.catalog(stream);
    } catch (err) {
      const failure = failureOf(err);
      metrics.searchFailures.inc({ reason: failure.reason });
      return { kind: 'unavailable', retryAfterSeconds: breaker.retryAfterSeconds(), detail: `the stream's fields could not be read: ${failure.detail}` };
    }
    let guarded = guardSearch(input, { config: stream.search, catalog, now: now() });
    // A field mapped since the catalog was read: read it again once and judge again.
    if (!guarded.ok && guarded.refusal.rule === 'unknown-field' && await fields.reread(stream)) {
      guarded = guardSearch(input, { config: stream.search, catalog: await fields.catalog(stream), now: now() });
    }
    if (!guarded.ok) {
      metrics.searchRefusals.inc({ rule: guarded.refusal.rule });
      return { kind: 'refused', refusal: guarded.refusal };
    }
    const body = esSearchBody(guarded.search);
    const size = guarded.search.size;
    const send = async (): Promise<Fetched> => {
      const answer = searchAnswer(await searchOwnIndices(stream, body), size);
      return { body: Buffer.from(JSON.stringify(answer)), cacheable: !answer.timed_out };
    };
    return fetchAnswer(searchCacheKey(name, stream.target.index, body), stream, send, options);
  }

  async function getEvent(name: string, id: string, options: SearchOptions): Promise<SearchOutcome> {
    const stream = streamOf(name);
    if (stream === undefined) return { kind: 'unknown-stream' };
    const send = async (): Promise<Fetched> => {
      const res = await searchOwnIndices(stream, { query: { bool: { filter: [{ ids: { values: [id] } }] } }, size: 1 });
      const hit = res.hits?.hits?.[0];
      // An absent event is not cached: it may be indexed a moment later.
      if (hit === undefined) return { body: undefined, cacheable: false };
      return { body: Buffer.from(JSON.stringify({ _id: hit._id, _index: hit._index, _source: hit._source })), cacheable: true };
    };
    return fetchAnswer(eventCacheKey(name, stream.target.index, id), stream, send, options);
  }

  return {
    search,
    getEvent,
    breaker,
    cache,
    close: () => breaker.shutdown(),
  };
}
