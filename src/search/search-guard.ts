// The guardrails of a stream's search: checks a search body against the stream's settings and
// its field catalog, and returns it normalised for Elasticsearch, or says why it is refused. Pure.
import { guardAggs } from './aggs-guard.ts';
import { at, checkDocValueField, GuardRefusal, guardQuery, isCount, isObject, isScalar, objectAt, refuse, type GuardContext, type Refusal } from './query-guard.ts';
import { guardWindow } from './time-window.ts';

export type { GuardContext, Refusal } from './query-guard.ts';
export { queryFieldsOf } from './query-guard.ts';

/** A search the guard accepted, normalised: defaults filled in, nothing the user did not say added beyond them. */
export interface GuardedSearch {
  /** The user's query, as given (validated), with the field lists the guard fills in. */
  query: Record<string, unknown> | undefined;
  /** Sent to Elasticsearch as range gte/lte on @timestamp: as given, or `now-<defaultWindow>` to `now`. */
  window: { from: string | number; to: string | number };
  size: number;
  /** Elasticsearch's `from` (the paging offset). */
  offset: number;
  /** Normalised to `[{ field: { order, …params } }]`. */
  sort: unknown[] | undefined;
  search_after: unknown[] | undefined;
  _source: unknown;
  aggs: Record<string, unknown> | undefined;
  track_total_hits: boolean | number | undefined;
}

export type GuardResult = { ok: true; search: GuardedSearch } | { ok: false; refusal: Refusal };

const PARAMETERS = ['query', 'size', 'offset', 'sort', 'search_after', '_source', 'aggs', 'aggregations', 'track_total_hits', 'from', 'to'];
const NEVER = ['runtime_mappings', 'script_fields', 'script', 'stored_fields', 'docvalue_fields', 'pit', 'indices_boost', 'rescore', 'suggest', 'highlight', 'profile', 'explain', 'timeout', 'terminate_after', 'min_score', 'collapse', 'knn', 'index'];
/** Elasticsearch's index.max_result_window: from + size beyond it fails. */
const MAX_RESULT_WINDOW = 10_000;
const DEFAULT_SIZE = 10;

const SORT_PARAMS = ['order', 'missing', 'unmapped_type', 'format', 'numeric_type'];
const SORT_NEVER = ['_script', 'script', '_geo_distance'];

function sortParams(path: string, value: Record<string, unknown>): void {
  for (const [key, v] of Object.entries(value)) {
    const here = at(path, key);
    if (!SORT_PARAMS.includes(key)) refuse('parameter-not-allowed', here, `"${key}" is not a sort parameter the gateway allows (allowed: ${SORT_PARAMS.join(', ')})`);
    const ok = key === 'order' ? v === 'asc' || v === 'desc'
      : key === 'missing' ? v === '_last' || v === '_first'
        : key === 'numeric_type' ? ['long', 'double', 'date', 'date_nanos'].includes(v as string)
          : typeof v === 'string';
    if (!ok) refuse('invalid-value', here, key === 'order' ? 'order is asc or desc' : key === 'missing' ? 'missing is _last or _first' : key === 'numeric_type' ? 'numeric_type is long, double, date or date_nanos' : `${key} must be a string`);
  }
}

/** One sort entry → `{ field: { order, …params } }`; plain fields get Elasticsearch's default order. */
function sortEntry(ctx: GuardContext, path: string, entry: unknown): Record<string, unknown> {
  let field: string;
  let params: Record<string, unknown> = {};
  if (typeof entry === 'string') field = entry;
  else {
    if (!isObject(entry) || Object.keys(entry).length !== 1) refuse('invalid-value', path, 'a sort entry is "field", {"field": "asc"} or {"field": {"order": "desc"}}');
    const [key, value] = Object.entries(entry)[0] as [string, unknown];
    field = key;
    if (SORT_NEVER.includes(key)) refuse('parameter-not-allowed', at(path, key), `sorting by ${key} is never allowed through the gateway`);
    if (typeof value === 'string') params = { order: value };
    else params = objectAt(at(path, key), value, 'a sort field');
    sortParams(at(path, key), params);
  }
  const here = typeof entry === 'string' ? path : at(path, field);
  if (field !== '_score' && field !== '_doc') checkDocValueField(ctx, here, field, 'not-sortable');
  return { [field]: { order: field === '_score' ? 'desc' : 'asc', ...params } };
}

function guardSort(ctx: GuardContext, sort: unknown): unknown[] {
  if (!Array.isArray(sort)) return [sortEntry(ctx, 'sort', sort)];
  if (sort.length === 0) refuse('invalid-value', 'sort', 'sort is a sort entry or a non-empty list of them');
  return sort.map((entry, i) => sortEntry(ctx, at('sort', i), entry));
}

function guardSource(source: unknown): void {
  const isStrings = (x: unknown): boolean => typeof x === 'string' || (Array.isArray(x) && x.every((s) => typeof s === 'string'));
  if (typeof source === 'boolean' || isStrings(source)) return;
  if (isObject(source)) {
    for (const [key, value] of Object.entries(source)) {
      if (key !== 'includes' && key !== 'excludes') refuse('parameter-not-allowed', at('_source', key), `"${key}" is not a _source parameter the gateway allows (allowed: includes, excludes)`);
      if (!isStrings(value)) refuse('invalid-value', at('_source', key), `${key} is a field name or a list of them`);
    }
    return;
  }
  refuse('invalid-value', '_source', '_source is true, false, a field name, a list of them or {"includes": […], "excludes": […]}');
}

function check(input: unknown, ctx: GuardContext): GuardedSearch {
  if (!isObject(input)) refuse('invalid-body', '', 'the search body must be a JSON object');
  for (const key of Object.keys(input)) {
    if (NEVER.includes(key)) refuse('parameter-not-allowed', key, `"${key}" is never allowed through the gateway`);
    if (!PARAMETERS.includes(key)) refuse('unknown-parameter', key, `"${key}" is not a search parameter (known: ${PARAMETERS.join(', ')}; from/to are the time range, offset the paging offset)`);
  }
  const window = guardWindow(input.from, input.to, ctx);
  const query = input.query === undefined ? undefined : guardQuery(ctx, 'query', input.query);

  const size = input.size === undefined ? DEFAULT_SIZE : input.size;
  if (!isCount(size)) refuse('invalid-value', 'size', 'size must be a whole number, 0 or more');
  if (size > ctx.config.maxSize) refuse('max-size', 'size', `size ${size} is more than this stream's maximum of ${ctx.config.maxSize}`);
  const offset = input.offset === undefined ? 0 : input.offset;
  if (!isCount(offset)) refuse('invalid-value', 'offset', 'offset must be a whole number, 0 or more');
  if (offset + size > MAX_RESULT_WINDOW) {
    refuse('max-result-window', 'offset', `offset + size is ${offset + size}, more than ${MAX_RESULT_WINDOW}: deeper pages go through search_after (the \`next\` cursor)`);
  }

  const sort = input.sort === undefined ? undefined : guardSort(ctx, input.sort);
  const searchAfter = input.search_after;
  if (searchAfter !== undefined) {
    if (!Array.isArray(searchAfter) || !searchAfter.every((v) => v === null || isScalar(v))) refuse('invalid-value', 'search_after', 'search_after is a list of strings, numbers, booleans or nulls: the sort values of the last hit');
    // Without a sort the caller applies its default sort, which has one entry.
    const wanted = sort?.length ?? 1;
    if (searchAfter.length !== wanted) refuse('invalid-value', 'search_after', `search_after has ${searchAfter.length} values; the sort has ${wanted}`);
  }

  const tth = input.track_total_hits;
  if (tth !== undefined && typeof tth !== 'boolean' && !isCount(tth)) refuse('invalid-value', 'track_total_hits', 'track_total_hits is true, false or a whole number, 0 or more');
  if (input._source !== undefined) guardSource(input._source);

  if (input.aggs !== undefined && input.aggregations !== undefined) refuse('invalid-value', 'aggregations', 'give aggregations as aggs or as aggregations, not both');
  const aggsKey = input.aggs !== undefined ? 'aggs' : 'aggregations';
  const aggs = input[aggsKey] === undefined ? undefined : guardAggs(ctx, aggsKey, input[aggsKey], window);

  return {
    query,
    window: { from: window.from, to: window.to },
    size,
    offset,
    sort,
    search_after: searchAfter,
    _source: input._source,
    aggs,
    track_total_hits: tth,
  };
}

/** Checks a search body (parsed JSON) against a stream's settings and field catalog at `ctx.now`. */
export function guardSearch(input: unknown, ctx: GuardContext): GuardResult {
  try {
    return { ok: true, search: check(input, ctx) };
  } catch (err) {
    if (err instanceof GuardRefusal) return { ok: false, refusal: err.refusal };
    throw err;
  }
}
