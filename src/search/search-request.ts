// The Elasticsearch search body for a guarded search, and the cache key that identifies it.
// Pure.
import stringify from 'safe-stable-stringify';
import type { GuardedSearch } from './search-guard.ts';

/** Newest first: what a log search without `sort` means. */
export const DEFAULT_SORT = [{ '@timestamp': { order: 'desc' } }];

/**
 * The search body: the user's query inside a bool whose filter is the time window (filters do not
 * score, so hits and scores are those of the query alone). The stream's own indices and the
 * `timeout` are added when it is sent (`narrowedTo`), so they are not part of the cache key.
 */
export function esSearchBody(s: GuardedSearch): Record<string, unknown> {
  const filter: unknown[] = [{ range: { '@timestamp': { gte: s.window.from, lte: s.window.to, format: 'strict_date_optional_time||epoch_millis' } } }];
  const body: Record<string, unknown> = {
    query: { bool: { filter, ...(s.query === undefined ? {} : { must: [s.query] }) } },
    size: s.size,
    sort: s.sort ?? DEFAULT_SORT,
  };
  if (s.offset > 0) body.from = s.offset;
  if (s.search_after !== undefined) body.search_after = s.search_after;
  if (s._source !== undefined) body._source = s._source;
  if (s.aggs !== undefined) body.aggs = s.aggs;
  if (s.track_total_hits !== undefined) body.track_total_hits = s.track_total_hits;
  return body;
}

/** The body with a filter to the given indices added to its top bool (none: unchanged). */
export function narrowedTo(body: Record<string, unknown>, indices: readonly string[] | undefined): Record<string, unknown> {
  if (indices === undefined) return body;
  const query = body.query as { bool: { filter: unknown[] } };
  return { ...body, query: { bool: { ...query.bool, filter: [...query.bool.filter, { terms: { _index: indices } }] } } };
}

/** One key per distinct search of a stream: keys sorted, so `{a, b}` and `{b, a}` are one entry. */
export function searchCacheKey(stream: string, index: string, body: unknown): string {
  return `search\u0000${stream}\u0000${index}\u0000${stringify(body) ?? ''}`;
}

export function eventCacheKey(stream: string, index: string, id: string): string {
  return `event\u0000${stream}\u0000${index}\u0000${id}`;
}
