// Checks a search's aggregations against a stream's search settings and estimates, before
// Elasticsearch runs them, how many buckets they make. Pure.
import { parseDuration } from '../config/stream-search.ts';
import { at, checkDocValueField, checkParams, isCount, isObject, isScalar, objectAt, refuse, type GuardContext, type ParamType } from './query-guard.ts';
import { evaluateDate, formatDuration, type TimeWindow } from './time-window.ts';

const DAY = 86_400_000;
const MAX_LEVELS = 2;
const MAX_RANGES = 100;
const MAX_PERCENTS = 20;

/** Calendar intervals at their longest (a month is 31 days), so the estimate is an upper bound. */
const CALENDAR = new Map<string, number>([
  ['minute', 60_000], ['1m', 60_000], ['hour', 3_600_000], ['1h', 3_600_000], ['day', DAY], ['1d', DAY],
  ['week', 7 * DAY], ['1w', 7 * DAY], ['month', 31 * DAY], ['1M', 31 * DAY],
  ['quarter', 92 * DAY], ['1q', 92 * DAY], ['year', 366 * DAY], ['1y', 366 * DAY],
]);

const AGG_PARAMS = new Map<string, ParamType>([
  ['min_doc_count', [isCount, 'a whole number, 0 or more']],
  ['missing', [isScalar, 'a string, number or boolean']],
  ['keyed', [(v) => typeof v === 'boolean', 'true or false']],
  ['format', [(v) => typeof v === 'string', 'a string']],
  ['time_zone', [(v) => typeof v === 'string', 'a string']],
  ['offset', [(v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)), 'a string or a number']],
  ['precision_threshold', [(v) => isCount(v) && v <= 40_000, 'a whole number from 0 to 40000']],
  ['interval', [(v) => typeof v === 'number' && Number.isFinite(v) && v > 0, 'a number above 0']],
]);

/** What a type's check found: the buckets one run of it makes (0 for a metric) and how to make fewer. */
interface Estimate { buckets: number; hint: string }
type AggGuard = (ctx: GuardContext, path: string, params: Record<string, unknown>, window: TimeWindow, subNames: readonly string[]) => Estimate;

const METRIC: Estimate = { buckets: 0, hint: '' };

/** The `field` every aggregation needs (a script is not allowed in its place), with doc values. */
function aggField(ctx: GuardContext, path: string, params: Record<string, unknown>): string {
  if (params.field === undefined) refuse('invalid-value', at(path, 'field'), 'an aggregation needs a field (scripts are not allowed)');
  return checkDocValueField(ctx, at(path, 'field'), params.field, 'not-aggregatable');
}

function requireKind(ctx: GuardContext, path: string, type: string, field: string, kind: 'date' | 'numeric'): void {
  if (ctx.catalog.get(field)?.kind !== kind) refuse('invalid-value', at(path, 'field'), `${type} needs a ${kind} field; "${field}" is not one`);
}

/** `{min, max}` bounds read by `read`; each side optional, at least one given. */
function bounds(path: string, value: unknown, read: (v: unknown) => number | undefined): { min: number | undefined; max: number | undefined } {
  const b = objectAt(path, value, 'bounds');
  checkParams(path, 'bounds', b, ['min', 'max'], AGG_PARAMS);
  if (b.min === undefined && b.max === undefined) refuse('invalid-value', path, 'bounds need min, max or both');
  const side = (key: 'min' | 'max'): number | undefined => {
    if (b[key] === undefined) return undefined;
    const n = read(b[key]);
    if (n === undefined) refuse('invalid-value', at(path, key), `${key} ${JSON.stringify(b[key])} is not a valid bound`);
    return n;
  };
  const out = { min: side('min'), max: side('max') };
  if (out.min !== undefined && out.max !== undefined && out.max < out.min) refuse('invalid-value', path, 'max is below min');
  return out;
}

const readNumber = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function checkOrder(path: string, order: unknown, subNames: readonly string[]): void {
  const list = Array.isArray(order) ? order : [order];
  list.forEach((item, i) => {
    const here = Array.isArray(order) ? at(path, i) : path;
    if (!isObject(item) || Object.keys(item).length !== 1) refuse('invalid-value', here, 'order is {"_count": "desc"}, {"_key": "asc"} or {"<sub-aggregation>": "desc"}, or a list of them');
    const [key, direction] = Object.entries(item)[0] as [string, unknown];
    const bySub = subNames.some((s) => key === s || key.startsWith(`${s}.`) || key.startsWith(`${s}[`));
    if (key !== '_count' && key !== '_key' && !bySub) refuse('invalid-value', at(here, key), `order sorts by _count, _key or a sub-aggregation of this aggregation; "${key}" is none of them`);
    if (direction !== 'asc' && direction !== 'desc') refuse('invalid-value', at(here, key), 'order is asc or desc');
  });
}

function bucketCount(ctx: GuardContext, path: string, key: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) refuse('invalid-value', at(path, key), `${key} must be a whole number, 1 or more`);
  if ((value as number) > ctx.config.maxBuckets) refuse('max-buckets', at(path, key), `${key} ${value as number} is more than this stream's limit of ${ctx.config.maxBuckets} buckets`);
  return value as number;
}

const metric = (type: string, extra: readonly string[] = []): AggGuard => (ctx, path, p) => {
  checkParams(path, type, p, ['field', 'missing', ...extra], AGG_PARAMS);
  aggField(ctx, path, p);
  return METRIC;
};

const AGGS = new Map<string, AggGuard>([
  ['terms', (ctx, path, p, _window, subNames) => {
    checkParams(path, 'terms', p, ['field', 'size', 'min_doc_count', 'order', 'missing', 'shard_size'], AGG_PARAMS);
    aggField(ctx, path, p);
    const size = bucketCount(ctx, path, 'size', p.size === undefined ? 10 : p.size);
    if (p.shard_size !== undefined) bucketCount(ctx, path, 'shard_size', p.shard_size);
    if (p.order !== undefined) checkOrder(at(path, 'order'), p.order, subNames);
    return { buckets: size, hint: 'ask for fewer terms' };
  }],
  ['date_histogram', (ctx, path, p, window) => {
    checkParams(path, 'date_histogram', p, ['field', 'calendar_interval', 'fixed_interval', 'time_zone', 'min_doc_count', 'format', 'offset', 'extended_bounds', 'hard_bounds', 'keyed', 'missing'], AGG_PARAMS);
    const field = aggField(ctx, path, p);
    requireKind(ctx, path, 'date_histogram', field, 'date');
    if ((p.calendar_interval === undefined) === (p.fixed_interval === undefined)) refuse('invalid-value', path, 'date_histogram needs exactly one of calendar_interval and fixed_interval');
    const calendar = p.calendar_interval !== undefined;
    const interval = calendar ? p.calendar_interval : p.fixed_interval;
    const intervalMs = calendar ? CALENDAR.get(interval as string) : typeof interval === 'string' ? parseDuration(interval) : undefined;
    if (intervalMs === undefined || intervalMs === 0) {
      refuse('invalid-value', at(path, calendar ? 'calendar_interval' : 'fixed_interval'), calendar
        ? `calendar_interval is one of ${[...CALENDAR.keys()].join(', ')}`
        : 'fixed_interval is a whole number and a unit (ms, s, m, h, d), such as 30s or 1h');
    }
    const readDate = (v: unknown): number | undefined => evaluateDate(v, ctx.now);
    // Only @timestamp is held to the search's window; another date field is bounded by hard_bounds alone.
    let lo = field === '@timestamp' ? window.fromMs : -Infinity;
    let hi = field === '@timestamp' ? window.toMs : Infinity;
    if (p.extended_bounds !== undefined) {
      const ext = bounds(at(path, 'extended_bounds'), p.extended_bounds, readDate);
      lo = Math.min(lo, ext.min ?? lo);
      hi = Math.max(hi, ext.max ?? hi);
    }
    if (p.hard_bounds !== undefined) {
      const hard = bounds(at(path, 'hard_bounds'), p.hard_bounds, readDate);
      lo = Math.max(lo, hard.min ?? lo);
      hi = Math.min(hi, hard.max ?? hi);
    }
    if (!Number.isFinite(hi - lo)) refuse('max-buckets', path, `a date_histogram on "${field}" (not @timestamp) needs hard_bounds with min and max so its bucket count is known before it runs`);
    const buckets = hi < lo ? 1 : Math.ceil((hi - lo) / intervalMs) + 1;
    return { buckets, hint: `${interval as string} buckets over ${formatDuration(Math.max(0, hi - lo))}: use a wider interval or a shorter time range` };
  }],
  ['histogram', (ctx, path, p) => {
    checkParams(path, 'histogram', p, ['field', 'interval', 'hard_bounds', 'min_doc_count', 'offset', 'extended_bounds', 'keyed', 'missing'], AGG_PARAMS);
    requireKind(ctx, path, 'histogram', aggField(ctx, path, p), 'numeric');
    if (p.interval === undefined) refuse('invalid-value', at(path, 'interval'), 'histogram needs an interval, a number above 0');
    if (p.hard_bounds === undefined) refuse('max-buckets', at(path, 'hard_bounds'), 'a histogram needs hard_bounds so its bucket count is known before it runs');
    const hard = bounds(at(path, 'hard_bounds'), p.hard_bounds, readNumber);
    if (hard.min === undefined || hard.max === undefined) refuse('max-buckets', at(path, 'hard_bounds'), 'a histogram needs hard_bounds with both min and max so its bucket count is known before it runs');
    if (p.extended_bounds !== undefined) bounds(at(path, 'extended_bounds'), p.extended_bounds, readNumber);
    return { buckets: Math.floor((hard.max - hard.min) / (p.interval as number)) + 1, hint: 'use a wider interval or narrower hard_bounds' };
  }],
  ['range', (ctx, path, p) => {
    checkParams(path, 'range', p, ['field', 'ranges', 'keyed'], AGG_PARAMS);
    aggField(ctx, path, p);
    const here = at(path, 'ranges');
    if (!Array.isArray(p.ranges) || p.ranges.length === 0) refuse('invalid-value', here, 'range needs ranges, a non-empty list of {from, to, key}');
    if (p.ranges.length > MAX_RANGES) refuse('too-many-values', here, `range lists ${p.ranges.length} ranges, more than ${MAX_RANGES}`);
    const bound: ParamType = [(v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)), 'a number or a string'];
    const types = new Map<string, ParamType>([['from', bound], ['to', bound], ['key', [(v) => typeof v === 'string', 'a string']]]);
    p.ranges.forEach((r, i) => checkParams(at(here, i), 'a range', objectAt(at(here, i), r, 'a range'), ['from', 'to', 'key'], types));
    return { buckets: p.ranges.length, hint: 'list fewer ranges' };
  }],
  ['avg', metric('avg')],
  ['min', metric('min')],
  ['max', metric('max')],
  ['sum', metric('sum')],
  ['value_count', metric('value_count')],
  ['cardinality', metric('cardinality', ['precision_threshold'])],
  ['percentiles', (ctx, path, p) => {
    checkParams(path, 'percentiles', p, ['field', 'percents', 'keyed', 'missing'], AGG_PARAMS);
    aggField(ctx, path, p);
    if (p.percents !== undefined) {
      const here = at(path, 'percents');
      if (!Array.isArray(p.percents) || p.percents.length === 0 || !p.percents.every((x) => typeof x === 'number' && x >= 0 && x <= 100)) {
        refuse('invalid-value', here, 'percents is a non-empty list of numbers from 0 to 100');
      }
      if (p.percents.length > MAX_PERCENTS) refuse('too-many-values', here, `percents lists ${p.percents.length} values, more than ${MAX_PERCENTS}`);
    }
    return METRIC;
  }],
]);

const BUCKET_AGGS = ['terms', 'date_histogram', 'histogram', 'range'];

/** One aggregation: checked and normalised (sub-aggregations under `aggs`), with its bucket estimate. */
function guardAgg(ctx: GuardContext, path: string, name: string, def: unknown, window: TimeWindow, level: number): { agg: Record<string, unknown>; buckets: number } {
  const d = objectAt(path, def, 'an aggregation');
  const types = Object.keys(d).filter((k) => k !== 'aggs' && k !== 'aggregations' && k !== 'meta');
  if (types.length !== 1) refuse('invalid-value', path, `an aggregation has exactly one type, such as terms or date_histogram (got ${types.length === 0 ? 'none' : types.join(', ')})`);
  const type = types[0] as string;
  const guard = AGGS.get(type);
  if (guard === undefined) refuse('aggregation-not-allowed', at(path, type), `"${type}" is not an aggregation the gateway allows (allowed: ${[...AGGS.keys()].join(', ')})`);
  if (d.meta !== undefined && !isObject(d.meta)) refuse('invalid-value', at(path, 'meta'), 'meta takes an object');
  if (d.aggs !== undefined && d.aggregations !== undefined) refuse('invalid-value', path, 'give sub-aggregations as aggs or as aggregations, not both');
  const subKey = d.aggs !== undefined ? 'aggs' : 'aggregations';
  const sub = d[subKey];
  if (sub !== undefined) {
    if (level >= MAX_LEVELS) refuse('aggregation-depth', at(path, subKey), `aggregations nest at most ${MAX_LEVELS} levels: a sub-aggregation cannot have its own`);
    if (!BUCKET_AGGS.includes(type)) refuse('invalid-value', at(path, subKey), `${type} is a metric aggregation and takes no sub-aggregations`);
  }
  const params = objectAt(at(path, type), d[type], type);
  const own = guard(ctx, at(path, type), params, window, isObject(sub) ? Object.keys(sub) : []);
  const subs = sub === undefined ? undefined : guardLevel(ctx, at(path, subKey), sub, window, level + 1);
  // Metric aggregations add no buckets; a bucket aggregation multiplies the buckets beneath it.
  const buckets = own.buckets * Math.max(1, subs?.buckets ?? 0);
  if (buckets > ctx.config.maxBuckets) refuse('max-buckets', path, `"${name}" would make about ${buckets} buckets, more than this stream's limit of ${ctx.config.maxBuckets}: ${own.hint}`);
  return { agg: { [type]: params, ...(subs === undefined ? {} : { aggs: subs.aggs }), ...(d.meta === undefined ? {} : { meta: d.meta }) }, buckets };
}

function guardLevel(ctx: GuardContext, path: string, aggs: unknown, window: TimeWindow, level: number): { aggs: Record<string, unknown>; buckets: number } {
  const a = objectAt(path, aggs, 'aggs');
  let buckets = 0;
  const out = Object.fromEntries(Object.entries(a).map(([name, def]) => {
    if (name === '' || /[[\]>]/.test(name)) refuse('invalid-value', at(path, name), 'aggregation names are non-empty and have no [, ] or >');
    const checked = guardAgg(ctx, at(path, name), name, def, window, level);
    buckets += checked.buckets;
    return [name, checked.agg];
  }));
  return { aggs: out, buckets };
}

/**
 * Checks a search's aggregations (at `path`, `aggs` or `aggregations`) and their bucket estimate:
 * Σ over top-level aggregations of own buckets × max(1, Σ buckets of its bucket sub-aggregations),
 * metric aggregations counting 0. Date histograms on @timestamp are measured over `window`.
 */
export function guardAggs(ctx: GuardContext, path: string, aggs: unknown, window: TimeWindow): Record<string, unknown> {
  const level = guardLevel(ctx, path, aggs, window, 1);
  if (level.buckets > ctx.config.maxBuckets) {
    refuse('max-buckets', path, `the aggregations would make about ${level.buckets} buckets together, more than this stream's limit of ${ctx.config.maxBuckets}`);
  }
  return level.aggs;
}
