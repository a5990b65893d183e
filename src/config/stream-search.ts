// A stream's search settings (`search: {…}` in the streams file): what its queries may do, how
// long its answers stay cached. Pure.
//
// { "search": { "fields": ["service", "status", "message"], "queryFields": ["message"],
//               "allow": ["query_string", "wildcard", "regexp"], "maxWindow": "7d",
//               "defaultWindow": "24h", "maxSize": 1000, "maxBuckets": 1000,
//               "cacheFresh": "5s", "cacheStale": "10m", "timeout": "10s" } }

export interface StreamSearchConfig {
  /** Fields that may be queried, sorted and aggregated on; undefined: every mapped field. */
  fields: readonly string[] | undefined;
  /** Fields that `q` (GET) searches; undefined: every allowed text and keyword field. */
  queryFields: readonly string[] | undefined;
  allowQueryString: boolean;
  allowWildcard: boolean;
  allowRegexp: boolean;
  /** Widest time range (`from` to `to`) a query may span. */
  maxWindowMs: number;
  /** The range a query without `from`/`to` gets: the last this-many milliseconds. */
  defaultWindowMs: number;
  /** Largest `size`. */
  maxSize: number;
  /** Most aggregation buckets one query may ask for (estimated before it is sent). */
  maxBuckets: number;
  /** How long a cached answer is served as fresh. */
  freshMs: number;
  /** How long after that it is kept to be served as stale while Elasticsearch fails. */
  staleMs: number;
  /** Search timeout; undefined: GATEWAY_SEARCH_TIMEOUT_MS. */
  timeoutMs: number | undefined;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_STREAM_SEARCH: StreamSearchConfig = Object.freeze({
  fields: undefined,
  queryFields: undefined,
  allowQueryString: false,
  allowWildcard: false,
  allowRegexp: false,
  maxWindowMs: 7 * DAY,
  defaultWindowMs: DAY,
  maxSize: 1000,
  maxBuckets: 1000,
  freshMs: 5 * SECOND,
  staleMs: 10 * MINUTE,
  timeoutMs: undefined,
});

const UNIT_MS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };

/** "7d", "15m", "500ms" or a number of milliseconds → milliseconds; undefined when it is neither. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  return m === null ? undefined : Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

const ENABLEABLE = ['query_string', 'wildcard', 'regexp'];
const KEYS = ['fields', 'queryFields', 'allow', 'maxWindow', 'defaultWindow', 'maxSize', 'maxBuckets', 'cacheFresh', 'cacheStale', 'timeout'];

const isStringList = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string' && s.length > 0);

export function parseStreamSearch(raw: unknown, where: string, problems: string[]): StreamSearchConfig {
  if (raw === undefined) return DEFAULT_STREAM_SEARCH;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${where} must be an object`);
    return DEFAULT_STREAM_SEARCH;
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!KEYS.includes(k)) problems.push(`${where}.${k} is not a search setting (known: ${KEYS.join(', ')})`);
  const list = (k: 'fields' | 'queryFields'): string[] | undefined => {
    if (r[k] === undefined) return undefined;
    if (!isStringList(r[k])) { problems.push(`${where}.${k} must be a list of field names`); return undefined; }
    return r[k];
  };
  const duration = (k: string, fallback: number, min: number): number => {
    if (r[k] === undefined) return fallback;
    const ms = parseDuration(r[k]);
    if (ms === undefined || ms < min) { problems.push(`${where}.${k} must be a duration such as "500ms", "5s", "15m", "24h" or "7d" (at least ${min} ms)`); return fallback; }
    return ms;
  };
  const count = (k: string, fallback: number, max: number): number => {
    if (r[k] === undefined) return fallback;
    const n = r[k];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > max) { problems.push(`${where}.${k} must be a whole number from 1 to ${max}`); return fallback; }
    return n;
  };
  let allow: string[] = [];
  if (r.allow !== undefined) {
    if (!isStringList(r.allow) || r.allow.some((a) => !ENABLEABLE.includes(a))) problems.push(`${where}.allow lists clauses to enable: ${ENABLEABLE.join(', ')}`);
    else allow = r.allow;
  }
  const out: StreamSearchConfig = {
    fields: list('fields'),
    queryFields: list('queryFields'),
    allowQueryString: allow.includes('query_string'),
    allowWildcard: allow.includes('wildcard'),
    allowRegexp: allow.includes('regexp'),
    maxWindowMs: duration('maxWindow', DEFAULT_STREAM_SEARCH.maxWindowMs, SECOND),
    defaultWindowMs: duration('defaultWindow', DEFAULT_STREAM_SEARCH.defaultWindowMs, SECOND),
    maxSize: count('maxSize', DEFAULT_STREAM_SEARCH.maxSize, 10_000),
    maxBuckets: count('maxBuckets', DEFAULT_STREAM_SEARCH.maxBuckets, 65_536),
    freshMs: duration('cacheFresh', DEFAULT_STREAM_SEARCH.freshMs, 0),
    staleMs: duration('cacheStale', DEFAULT_STREAM_SEARCH.staleMs, 0),
    timeoutMs: r.timeout === undefined ? undefined : duration('timeout', 10 * SECOND, 100),
  };
  if (out.defaultWindowMs > out.maxWindowMs) problems.push(`${where}.defaultWindow must not exceed maxWindow`);
  if (out.fields !== undefined && out.queryFields !== undefined) {
    for (const f of out.queryFields) if (!out.fields.some((a) => f === a || f.startsWith(`${a}.`))) problems.push(`${where}.queryFields: "${f}" is not in fields`);
  }
  return out;
}
