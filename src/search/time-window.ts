// The time range of a search (`from`/`to` on @timestamp): parsing Elasticsearch date values,
// evaluating date math against a given `now`, and the window rules. Pure.
import { refuse, type GuardContext } from './query-guard.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Milliseconds per date-math unit; y and M are fixed lengths, close enough for span checks. */
const MATH_MS: Record<string, number> = { y: 365 * DAY, M: 30 * DAY, w: 7 * DAY, d: DAY, h: HOUR, H: HOUR, m: MINUTE, s: SECOND };

/** A window as sent to Elasticsearch (values as given) and as evaluated (epoch ms). */
export interface TimeWindow {
  from: string | number;
  to: string | number;
  fromMs: number;
  toMs: number;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const DATE_MATH = /^now((?:[+-]\d+[yMwdhHms])*)(?:\/([yMwdhHms]))?$/;

/** Start of the UTC `unit` holding `t`; weeks start on Monday as in Elasticsearch. */
function floorTo(t: number, unit: string): number {
  const d = new Date(t);
  if (unit === 'y') return Date.UTC(d.getUTCFullYear(), 0, 1);
  if (unit === 'M') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  if (unit === 'w') return Math.floor((t + 3 * DAY) / (7 * DAY)) * 7 * DAY - 3 * DAY; // 1970-01-01 was a Thursday
  const size = MATH_MS[unit] as number;
  return Math.floor(t / size) * size;
}

/** Start of the UTC `unit` after the one holding `t`. */
function nextUnit(t: number, unit: string): number {
  const start = floorTo(t, unit);
  const d = new Date(start);
  if (unit === 'y') return Date.UTC(d.getUTCFullYear() + 1, 0, 1);
  if (unit === 'M') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return start + (MATH_MS[unit] as number);
}

function evaluateIso(value: string, roundUp: boolean): number | undefined {
  const m = ISO.exec(value);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x)));
  // Date.parse rolls 2026-02-30 over to March; Elasticsearch refuses it, so the guard does too.
  const day = new Date(Date.UTC(y as number, (mo as number) - 1, d as number));
  if (day.getUTCMonth() !== (mo as number) - 1 || day.getUTCDate() !== d || (h ?? 0) > 23 || (mi ?? 0) > 59 || (s ?? 0) > 59) return undefined;
  // Without an offset Elasticsearch reads the time as UTC; Date.parse would read it as local time.
  const ms = Date.parse(h !== undefined && m[8] === undefined ? `${value}Z` : value);
  if (Number.isNaN(ms)) return undefined;
  if (!roundUp) return ms;
  // As `lte`, Elasticsearch fills what the value leaves out with the largest value: 2026-03-07 is its last millisecond.
  if (h === undefined) return ms + DAY - 1;
  if (s === undefined) return ms + MINUTE - 1;
  return m[7] === undefined ? ms + SECOND - 1 : ms;
}

/**
 * An Elasticsearch date value (ISO 8601, epoch milliseconds as a number or a string of at
 * least 5 digits, `now` with date math such as `now-1d/d`) → epoch ms; undefined when it is none
 * of these. `roundUp` evaluates it as the upper bound (`lte`) does: `now/d` is the day's last ms.
 */
export function evaluateDate(value: unknown, now: number, roundUp = false): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  // Elasticsearch reads a 4-digit string as a year, not as milliseconds; short digit strings are refused.
  if (/^\d{5,}$/.test(value)) return Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
  const math = DATE_MATH.exec(value);
  if (math === null) return evaluateIso(value, roundUp);
  let t = now;
  for (const [, sign, n, unit] of (math[1] as string).matchAll(/([+-])(\d+)([yMwdhHms])/g)) {
    t += (sign === '-' ? -1 : 1) * Number(n) * (MATH_MS[unit as string] as number);
  }
  const round = math[2];
  if (round === undefined) return Number.isSafeInteger(t) ? t : undefined;
  return roundUp ? nextUnit(t, round) - 1 : floorTo(t, round);
}

/** A duration for people, exact: "7d" or "90m" when one unit divides it, else "7d 23h 59m 59s 999ms". */
export function formatDuration(ms: number): string {
  const units = [['d', DAY], ['h', HOUR], ['m', MINUTE], ['s', SECOND], ['ms', 1]] as const;
  for (const [unit, size] of units.slice(0, 4)) if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of units) {
    if (rest >= size) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.length === 0 ? '0ms' : parts.join(' ');
}

/**
 * The `from` of the default window: `now-<defaultWindow>`. Date math has no millisecond unit,
 * so the duration is rounded up to whole seconds and written in the largest of d, h, m, s that
 * divides it (86400000 → now-1d, 900000 → now-15m, 500 → now-1s).
 */
export function defaultWindowFrom(defaultWindowMs: number): string {
  const seconds = Math.max(1, Math.ceil(defaultWindowMs / SECOND));
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (seconds % size === 0) return `now-${seconds / size}${unit}`;
  }
  return `now-${seconds}s`;
}

function dateValue(name: 'from' | 'to', value: unknown, now: number): number {
  const ms = evaluateDate(value, now, name === 'to');
  if (ms === undefined) refuse('time-range', name, `${name} ${JSON.stringify(value)} is not a date: use ISO 8601, epoch milliseconds or now-15m`);
  return ms;
}

/** Checks `from`/`to` of a search body (undefined when absent) and evaluates them at ctx.now. */
export function guardWindow(from: unknown, to: unknown, ctx: GuardContext): TimeWindow {
  if (from === undefined && to === undefined) {
    const fromValue = defaultWindowFrom(ctx.config.defaultWindowMs);
    return { from: fromValue, to: 'now', fromMs: evaluateDate(fromValue, ctx.now) as number, toMs: ctx.now };
  }
  if (from === undefined || to === undefined) {
    refuse('time-range', from === undefined ? 'from' : 'to', 'the time range needs both from and to; a one-sided range is unbounded');
  }
  const fromMs = dateValue('from', from, ctx.now);
  const toMs = dateValue('to', to, ctx.now);
  if (toMs < fromMs) refuse('time-range', 'to', `to ${JSON.stringify(to)} is before from ${JSON.stringify(from)}`);
  const span = toMs - fromMs;
  if (span > ctx.config.maxWindowMs) {
    refuse('window-too-wide', 'from', `the time range spans ${formatDuration(span)}, more than this stream's ${formatDuration(ctx.config.maxWindowMs)}: narrow from/to`);
  }
  return { from: from as string | number, to: to as string | number, fromMs, toMs };
}
