// Turns one decoded event into a pipeline document: checks it is an object without reserved
// metadata fields, validates it against its stream's schema, gives it an `_id` and an
// `@timestamp`, and picks its index. The raw bytes are kept whenever the event is unchanged.
// An event that comes as bytes is first tried the fast way, scanned without being parsed
// (json-object-scanner.ts, scan-plan-check.ts); whatever that way is not sure of — every invalid
// event among them — goes through JSON.parse and the stream's Ajv validator, as all did before.
import { isUtf8 } from 'node:buffer';
import { ARRAY, columns, ESCAPED, KEY_ESCAPED, NUMBER, OBJECT, scanNested, scanned, scanObject, shape, STRING, tables, type MemberTable } from './json-object-scanner.ts';
import { measureShape, shapeFailure } from './event-shape.ts';
import { checkScanned, memberAt, numberAt, sameBytes, stringAt } from './scan-plan-check.ts';
import type { StreamContext } from './stream-context.ts';

export interface EnvelopedEvent {
  id: string;
  index: string;
  source: Buffer;
}

export type EnvelopeResult = { ok: true; event: EnvelopedEvent } | { ok: false; code: string; detail: string };

/** Top-level fields Elasticsearch reserves for metadata; it refuses them inside a document. */
export const RESERVED_FIELDS: ReadonlySet<string> = new Set([
  '_id', '_index', '_source', '_routing', '_version', '_seq_no', '_primary_term', '_type',
  '_field_names', '_ignored', '_tier', '_doc_count', '_data_stream_timestamp', '_nested_path', '_feature', '_meta',
]);

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
const MAX_ID_BYTES = 512;

const fail = (code: string, detail: string): EnvelopeResult => ({ ok: false, code, detail });

function readPath(obj: Record<string, unknown>, path: readonly string[], dotted: string): unknown {
  if (dotted in obj) return obj[dotted];
  let cur: unknown = obj;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** ASCII digits of `b` from `start` to `end` as a number, or -1 if any is not a digit. */
function digits(b: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = (b[i] as number) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

// The last calendar day utcIsoTimeAt saw (yyyyMMdd as a number) and its start in epoch ms: events
// of one body nearly always share their day, so Date.UTC and the day checks run once per day.
let lastDay = -1;
let lastDayMs = 0;

/**
 * The common shapes `yyyy-MM-ddTHH:mm:ssZ` and `yyyy-MM-ddTHH:mm:ss.SSSZ`, read from bytes
 * [start, end) of `b` (a scanned event's string value, so no string is made) without Date.parse;
 * undefined for anything else (including out-of-range fields), which then goes to Date.parse.
 * Where it answers, it answers what Date.parse would.
 */
export function utcIsoTimeAt(b: Uint8Array, start: number, end: number): number | undefined {
  const len = end - start;
  if ((len !== 20 && len !== 24) || end > b.length || b[end - 1] !== 0x5a /* Z */ || b[start + 4] !== 0x2d || b[start + 7] !== 0x2d
    || b[start + 10] !== 0x54 /* T */ || b[start + 13] !== 0x3a || b[start + 16] !== 0x3a) return undefined;
  const year = digits(b, start, start + 4);
  const month = digits(b, start + 5, start + 7);
  const day = digits(b, start + 8, start + 10);
  const hour = digits(b, start + 11, start + 13);
  const minute = digits(b, start + 14, start + 16);
  const second = digits(b, start + 17, start + 19);
  let ms = 0;
  if (len === 24) {
    if (b[start + 19] !== 0x2e /* . */) return undefined;
    ms = digits(b, start + 20, start + 23);
    if (ms < 0) return undefined;
  }
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const dayKey = year * 10_000 + month * 100 + day; // negative or off when a part was not digits
  if (dayKey !== lastDay || year < 0 || month < 0 || day < 0) {
    if (year < 1000 || month < 1 || month > 12 || day < 1) return undefined;
    const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    if (day > (DAYS_IN_MONTH[month - 1] as number) + (leap ? 1 : 0)) return undefined;
    lastDayMs = Date.UTC(year, month - 1, day);
    lastDay = dayKey;
  }
  return lastDayMs + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

const isoScratch = Buffer.alloc(24);

/** utcIsoTimeAt of a string (a parsed event's @timestamp): its ASCII characters as bytes. */
export function utcIsoTime(v: string): number | undefined {
  const len = v.length;
  if (len !== 20 && len !== 24) return undefined;
  for (let i = 0; i < len; i++) {
    const c = v.charCodeAt(i);
    if (c > 0x7f) return undefined;
    isoScratch[i] = c;
  }
  return utcIsoTimeAt(isoScratch, 0, len);
}

function eventTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') {
    const fast = utcIsoTime(value);
    if (fast !== undefined) return fast;
  }
  if (typeof value === 'string' && ISO_DATE.test(value)) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** `{"@timestamp":"…",` spliced in front of the raw object's first member: no re-serialisation. */
function withTimestamp(raw: Buffer, iso: string, empty: boolean): Buffer {
  if (empty) return Buffer.from(`{"@timestamp":"${iso}"}`);
  const brace = raw.indexOf(0x7b); // '{'
  return Buffer.concat([Buffer.from(`{"@timestamp":"${iso}",`), raw.subarray(brace + 1)]);
}

/**
 * @param value  the parsed event
 * @param raw    its exact JSON bytes when it came as one NDJSON line, else undefined
 * @param fallbackId  id to use when the event carries none (from an Idempotency-Key), else generated
 */
export function envelope(value: unknown, raw: Buffer | undefined, ctx: StreamContext, fallbackId: string | undefined): EnvelopeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('not_an_object', `an event must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    if (key.charCodeAt(0) === 0x5f && RESERVED_FIELDS.has(key)) return fail('reserved_field', `field "${key}" is Elasticsearch metadata and cannot be set in an event`);
  }
  if (ctx.validate !== undefined && !ctx.validate(obj)) {
    const e = ctx.validate.errors?.[0];
    return fail('schema_violation', e === undefined ? 'does not match the stream schema' : `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  }

  let id: string;
  const given = readPath(obj, ctx.idPath, ctx.idField);
  if (given !== undefined) {
    if (typeof given !== 'string' || given.length === 0 || Buffer.byteLength(given) > MAX_ID_BYTES) {
      return fail('invalid_id', `${ctx.idField} must be a non-empty string of at most ${MAX_ID_BYTES} bytes`);
    }
    id = given;
  } else {
    id = fallbackId ?? ctx.newId();
  }

  const stamp = obj['@timestamp'];
  let time: number;
  let source: Buffer;
  if (stamp === undefined) {
    time = ctx.now();
    const iso = new Date(time).toISOString();
    if (raw !== undefined) {
      source = withTimestamp(raw, iso, Object.keys(obj).length === 0);
    } else {
      source = Buffer.from(JSON.stringify({ '@timestamp': iso, ...obj }));
    }
  } else {
    const t = eventTime(stamp);
    if (t === undefined) return fail('invalid_timestamp', '@timestamp must be an ISO 8601 date string or epoch milliseconds');
    time = t;
    source = raw ?? Buffer.from(JSON.stringify(obj));
  }
  return { ok: true, event: { id, index: ctx.route(time), source } };
}

/** The members of the objects on a nested id's path (the spare table: not one the schema check uses). */
const idMembers = tables[tables.length - 1] as MemberTable;

/**
 * Where a dotted id field's value is in an event without that flat member, as readPath finds it:
 * `m` is the event's member (in columns) named by the first segment, `tail` the other segments
 * (UTF-8). The value's member in columns; -1 when there is none (a segment is missing or not an
 * object); undefined when only JSON.parse can tell (an array on the way, an escaped key, a
 * duplicate segment).
 */
function nestedIdAt(line: Buffer, tail: readonly Buffer[], m: number): number | undefined {
  let at = m;
  for (const segment of tail) {
    const kind = columns.kind[at];
    if (kind === ARRAY) return undefined;
    if (kind !== OBJECT) return -1;
    if (!scanNested(line, columns.valueStart[at] as number, columns.valueEnd[at] as number, idMembers)) return undefined;
    let found = -1;
    for (let j = idMembers.base; j < idMembers.base + idMembers.count; j++) {
      if (((columns.flags[j] as number) & KEY_ESCAPED) !== 0) return undefined;
      if (!sameBytes(line, columns.keyStart[j] as number, columns.keyEnd[j] as number, segment)) continue;
      if (found >= 0) return undefined; // JSON.parse keeps the last
      found = j;
    }
    if (found < 0) return -1;
    at = found;
  }
  return at;
}

/** The id in member m (in columns), or undefined when the fast path cannot give it (not a plain string within bounds: envelopeParsed says why). */
function idAt(line: Buffer, m: number): string | undefined {
  const start = columns.valueStart[m] as number;
  const end = columns.valueEnd[m] as number;
  if (columns.kind[m] !== STRING || ((columns.flags[m] as number) & ESCAPED) !== 0 || end === start || end - start > MAX_ID_BYTES) return undefined;
  return stringAt(line, start, end);
}

/**
 * The envelope of an event's bytes (valid UTF-8, kept as its source) found without parsing it:
 * what envelopeParsed gives, or undefined when the scan is not sure (then only JSON.parse and the
 * validator can tell).
 */
export function envelopeScanned(line: Buffer, ctx: StreamContext, fallbackId: string | undefined): EnvelopeResult | undefined {
  const plan = ctx.scanPlan;
  if (plan === undefined || !scanObject(line)) return undefined;
  const outOfBounds = shapeFailure(shape.depth, shape.fields, shape.longestString, ctx.limits);
  if (outOfBounds !== undefined) return outOfBounds;
  if (!checkScanned(plan, line)) return undefined;
  let given: string | undefined;
  const flatAt = memberAt(plan, plan.idSlot);
  const headAt = plan.idHeadSlot >= 0 ? memberAt(plan, plan.idHeadSlot) : -1;
  if (flatAt >= 0) {
    given = idAt(line, flatAt);
    if (given === undefined) return undefined;
  } else if (headAt >= 0) {
    const nestedAt = nestedIdAt(line, plan.idTail, headAt);
    if (nestedAt === undefined) return undefined;
    if (nestedAt >= 0) {
      given = idAt(line, nestedAt);
      if (given === undefined) return undefined;
    }
  }

  const stampAt = memberAt(plan, plan.timestampSlot);
  let stamped: number | undefined;
  if (stampAt >= 0) {
    const start = columns.valueStart[stampAt] as number;
    const end = columns.valueEnd[stampAt] as number;
    const flags = columns.flags[stampAt] as number;
    const kind = columns.kind[stampAt];
    if (kind === STRING && (flags & ESCAPED) === 0) stamped = utcIsoTimeAt(line, start, end) ?? eventTime(stringAt(line, start, end));
    else if (kind === NUMBER) stamped = eventTime(numberAt(line, start, end));
    if (stamped === undefined) return undefined;
  }

  const id = given ?? fallbackId ?? ctx.newId();
  let time: number;
  let source: Buffer;
  if (stamped === undefined) {
    time = ctx.now();
    source = withTimestamp(line, new Date(time).toISOString(), scanned.count === 0);
  } else {
    time = stamped;
    source = line;
  }
  return { ok: true, event: { id, index: ctx.route(time), source } };
}

/**
 * Parses one event's bytes (an NDJSON line, a JSON array element) and envelopes it; the bytes
 * become its source unless `keepBytes` is false (they span lines: a bulk body is one per line).
 * `utf8Checked`: the caller found the whole body valid UTF-8, so every line of it is (a line or
 * element ends at an ASCII byte, never inside a character), and one check per body does.
 */
export function envelopeLine(line: Buffer, ctx: StreamContext, fallbackId: string | undefined, keepBytes = true, utf8Checked = false): EnvelopeResult {
  if (!utf8Checked && !isUtf8(line)) return fail('invalid_utf8', 'the event is not valid UTF-8');
  if (keepBytes) {
    const result = envelopeScanned(line, ctx, fallbackId);
    if (result !== undefined) return result;
  }
  return envelopeParsed(line, ctx, fallbackId, keepBytes);
}

/** envelopeLine by JSON.parse and the stream's validator (valid UTF-8 `line`): what gives every verdict the scan is not sure of. */
export function envelopeParsed(line: Buffer, ctx: StreamContext, fallbackId: string | undefined, keepBytes = true): EnvelopeResult {
  const outOfBounds = measureShape(line, ctx.limits);
  if (outOfBounds !== undefined) return outOfBounds;
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch (err) {
    return fail('invalid_json', `invalid JSON: ${(err as Error).message}`);
  }
  return envelope(value, keepBytes ? line : undefined, ctx, fallbackId);
}
