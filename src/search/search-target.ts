// Where a stream's searches go: its index pattern as an index expression, never anything a user
// typed — narrowed to the stream's own indices. Pure.
import { indexPatternGlob, indexPatternRegExp } from '../model/index-pattern.ts';

export interface SearchTarget {
  /** The index expression sent to Elasticsearch: the stream's pattern, date tokens as `*`. */
  index: string;
  /**
   * The stream's own index names, when the expression has a `*`: the glob `events-app-*` also
   * matches stream `app-eu`'s `events-app-eu-2026.01.02`, which this does not. Elasticsearch's
   * `_index` wildcard knows only `*`, so the names are resolved and filtered here (`ownIndex`).
   */
  ownIndex: RegExp | undefined;
}

export function searchTarget(pattern: string, stream: string): SearchTarget {
  const index = indexPatternGlob(pattern, stream);
  if (!index.includes('*')) return { index, ownIndex: undefined };
  return { index, ownIndex: indexPatternRegExp(pattern, stream) };
}

/** Whether an index name belongs to the target. */
export function targetMatches(target: SearchTarget, indexName: string): boolean {
  return target.ownIndex === undefined ? indexName === target.index : target.ownIndex.test(indexName);
}
