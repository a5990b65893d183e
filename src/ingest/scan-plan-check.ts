// A stream's scan plan (compiled from its schema by scan-plan-compiler.ts) and the check of a
// scanned event against it: the per-event hot path, on the member ranges json-object-scanner.ts
// records, without parsing the event.
//
// Sound, not complete: `checkScanned` says true only for an event Ajv would find valid, with no
// duplicate member the envelope or schema looks at, and no member that could be Elasticsearch
// metadata; it says false whenever it is not sure (an escaped string it would have to read, a
// key with an escape, a number it cannot hold, a failed check), and the event then goes the
// JSON.parse way, which gives the verdict and the error. test/unit/scanned-envelope.test.ts
// compares both ways over generated events. No I/O (the plan keeps its last check's marks).
import { columns, ESCAPED, FALSE, KEY_ESCAPED, NULL, NUMBER, OBJECT, scanNested, scanned, STRING, tables, TRUE, type MemberTable } from './json-object-scanner.ts';

// JSON Schema types as bits.
const T_STRING = 1;
const T_NUMBER = 2;
const T_INTEGER = 4;
const T_BOOLEAN = 8;
const T_NULL = 16;
const T_OBJECT = 32;
const T_ARRAY = 64;
export const ANY_TYPE = 127;
export const TYPE_BITS: Record<string, number> = { string: T_STRING, number: T_NUMBER, integer: T_INTEGER, boolean: T_BOOLEAN, null: T_NULL, object: T_OBJECT, array: T_ARRAY };
const KIND_TYPE = [0, T_STRING, T_NUMBER | T_INTEGER, T_BOOLEAN, T_BOOLEAN, T_NULL, T_OBJECT, T_ARRAY];

export type Plain = string | number | boolean | null;

/** One property's checks (every rule has the same fields, so its reads stay monomorphic). */
export class PropertyRule {
  /** The property's schema is `false`: present is invalid. */
  never = false;
  types = ANY_TYPE;
  /** Whether a number must be read (a type, bounds or enum look at its value). */
  readsNumber = false;
  /** Whether a string's length is checked. */
  checksLength = false;
  minLength = 0;
  maxLength = Infinity;
  /** A string's pattern, as Ajv compiles it (unicodeRegExp: the `u` flag; no `g`/`y`, so test() keeps no state). */
  pattern: RegExp | null = null;
  /** A string format's check: the very validator the stream's Ajv instance calls. */
  format: ((s: string) => boolean) | null = null;
  minimum = -Infinity;
  maximum = Infinity;
  exclusiveMinimum = -Infinity;
  exclusiveMaximum = Infinity;
  /** Whether enum or const is given; then `allowed` holds the members. */
  hasAllowed = false;
  allowed: Plain[] = [];
  /** The string members as UTF-8 bytes. */
  allowedStrings: Buffer[] = [];
  /** An object value's own plan (its `properties`, `required`, `additionalProperties`), if any. */
  object: ScanPlan | null = null;
}

export interface ScanPlan {
  /** Known member names (slots) by length and first byte: NAME_BUCKETS heads of chains through nextSlot (-1 ends). */
  firstSlot: Int32Array;
  nextSlot: Int32Array;
  /** Every slot's name as UTF-8: slot s's is names[nameStart[s], nameStart[s + 1]). */
  names: Uint8Array;
  nameStart: Int32Array;
  /** Per slot (known name): its property rule, undefined when the schema does not name it. */
  rules: (PropertyRule | undefined)[];
  requiredSlots: number[];
  /** additionalProperties: false. */
  closed: boolean;
  timestampSlot: number;
  idSlot: number;
  /** The id field's first segment when it is dotted (`event` of `event.id`), else -1. */
  idHeadSlot: number;
  /** The dotted id field's other segments, UTF-8 (`id` of `event.id`). */
  idTail: Buffer[];
  /** 0 for the event's plan, 1 for an object member's, and so on. */
  depth: number;
  /** Per slot, the member it was seen at, valid when its seenIn is the current check (scratch). */
  seenAt: Int32Array;
  seenIn: Int32Array;
  check: number;
}

const NAME_BUCKETS = 32 * 256;
const bucket = (length: number, first: number) => ((length & 31) << 8) | first;

/** A plan's known names, stored as slotOf finds them (slot s is slotNames[s]). */
export function nameIndex(slotNames: readonly string[]): { firstSlot: Int32Array; nextSlot: Int32Array; names: Uint8Array; nameStart: Int32Array } {
  const slots = slotNames.length;
  const firstSlot = new Int32Array(NAME_BUCKETS).fill(-1);
  const nextSlot = new Int32Array(slots).fill(-1);
  const encoded = slotNames.map((name) => Buffer.from(name));
  const nameStart = new Int32Array(slots + 1);
  for (let s = 0; s < slots; s++) {
    const bytes = encoded[s] as Buffer;
    nameStart[s + 1] = (nameStart[s] as number) + bytes.length;
    const b = bucket(bytes.length, bytes[0] ?? 0);
    nextSlot[s] = firstSlot[b] as number;
    firstSlot[b] = s;
  }
  return { firstSlot, nextSlot, names: Buffer.concat(encoded), nameStart };
}

/** The slot of the member name in line[start, end), or -1 when the plan does not know it. */
function slotOf(plan: ScanPlan, line: Uint8Array, start: number, end: number): number {
  const length = end - start;
  const { names, nameStart, nextSlot } = plan;
  for (let slot = plan.firstSlot[bucket(length, length === 0 ? 0 : (line[start] as number))] as number; slot >= 0; slot = nextSlot[slot] as number) {
    const at = nameStart[slot] as number;
    if ((nameStart[slot + 1] as number) - at !== length) continue;
    let j = 0;
    while (j < length && line[start + j] === names[at + j]) j++;
    if (j === length) return slot;
  }
  return -1;
}

/** The member (of the last checked event) the plan's slot was found at, or -1. */
export function memberAt(plan: ScanPlan, slot: number): number {
  return plan.seenIn[slot] === plan.check ? (plan.seenAt[slot] as number) : -1;
}

/** Code points in valid UTF-8 bytes [start, end): the bytes that do not continue a character. */
function codePoints(line: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (((line[i] as number) & 0xc0) !== 0x80) n++;
  return n;
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

type Slices = { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

/** The string in valid UTF-8 bytes [start, end) that hold no escape. */
export function stringAt(line: Buffer, start: number, end: number): string {
  const b = line as unknown as Slices;
  for (let i = start; i < end; i++) if ((line[i] as number) >= 0x80) return b.utf8Slice(start, end);
  return b.latin1Slice(start, end);
}

/** The value of the JSON number in line[start, end) (valid JSON number syntax), as JSON.parse reads it. */
export function numberAt(line: Buffer, start: number, end: number): number {
  // Up to 15 digits and no exponent: the digits as an integer m are exact in a double, as is 10^k
  // for k <= 22, so m / 10^k is the correctly rounded value, which is what JSON.parse gives.
  let i = start;
  const negative = line[i] === 0x2d;
  if (negative) i++;
  let m = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = line[i] as number;
    if (c === 0x2e) {
      fraction = 0;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9) break; // an exponent
    m = m * 10 + d;
    digits++;
    if (fraction >= 0) fraction++;
  }
  if (i < end || digits > 15) return Number((line as unknown as Slices).latin1Slice(start, end));
  const v = fraction > 0 ? m / (POW10[fraction] as number) : m;
  return negative ? -v : v;
}

/** Whether line[start, end) holds exactly `bytes`. */
export function sameBytes(line: Uint8Array, start: number, end: number, bytes: Buffer): boolean {
  if (end - start !== bytes.length) return false;
  for (let j = 0; j < bytes.length; j++) if (line[start + j] !== bytes[j]) return false;
  return true;
}

/** Whether member m (in columns) surely passes `rule`, but for an object value's own plan (checkObject). */
function passes(rule: PropertyRule, line: Buffer, m: number): boolean {
  if (rule.never) return false;
  const kind = columns.kind[m] as number;
  if ((rule.types & (KIND_TYPE[kind] as number)) === 0) return false;
  const start = columns.valueStart[m] as number;
  const end = columns.valueEnd[m] as number;
  if (kind === STRING) {
    if (!rule.checksLength && !rule.hasAllowed && rule.pattern === null && rule.format === null) return true;
    if (((columns.flags[m] as number) & ESCAPED) !== 0) return false;
    if (rule.checksLength) {
      // Bytes bound code points from above: count them only when the bytes alone do not decide.
      const bytes = end - start;
      if (bytes > rule.maxLength && codePoints(line, start, end) > rule.maxLength) return false;
      if (rule.minLength > 0 && (bytes < rule.minLength || codePoints(line, start, end) < rule.minLength)) return false;
    }
    // Ajv tests the string JSON.parse gives: with no escape, the bytes' UTF-8 (valid: checked per body).
    if (rule.pattern !== null || rule.format !== null) {
      const value = stringAt(line, start, end);
      if (rule.pattern !== null && !rule.pattern.test(value)) return false;
      if (rule.format !== null && !rule.format(value)) return false;
    }
    if (rule.hasAllowed) {
      const strings = rule.allowedStrings;
      for (let j = 0; j < strings.length; j++) if (sameBytes(line, start, end, strings[j] as Buffer)) return true;
      return false;
    }
    return true;
  }
  if (kind === NUMBER) {
    if (!rule.readsNumber) return true;
    const v = numberAt(line, start, end);
    if (!Number.isFinite(v)) return false;
    if ((rule.types & T_NUMBER) === 0 && v % 1 !== 0) return false;
    if (v < rule.minimum || v > rule.maximum || v <= rule.exclusiveMinimum || v >= rule.exclusiveMaximum) return false;
    return !rule.hasAllowed || rule.allowed.includes(v);
  }
  if (!rule.hasAllowed) return true;
  if (kind === TRUE) return rule.allowed.includes(true);
  if (kind === FALSE) return rule.allowed.includes(false);
  if (kind === NULL) return rule.allowed.includes(null);
  return false; // an object or array is no plain enum member
}

/**
 * Whether the event just scanned (scanObject(line) was true) surely passes the plan's schema with
 * no member the envelope must not trust; memberAt then says where its known members are.
 */
export function checkScanned(plan: ScanPlan, line: Buffer): boolean {
  return checkMembers(plan, line, scanned);
}

/**
 * Whether the object value of member m (in columns) surely passes `plan`, its property's own plan
 * (a function of its own, kept out of passes, which is all a flat schema runs; bench/README.md,
 * "Events scanned instead of parsed").
 */
function checkObject(plan: ScanPlan, line: Buffer, m: number): boolean {
  // Its members go to its depth's table (the table of the object holding it stays as it is).
  const members = tables[plan.depth] as MemberTable;
  return scanNested(line, columns.valueStart[m] as number, columns.valueEnd[m] as number, members) && checkMembers(plan, line, members);
}

/** Whether the object whose members `t` holds surely passes `plan` (an object at plan.depth). */
function checkMembers(plan: ScanPlan, line: Buffer, t: MemberTable): boolean {
  const { seenAt, seenIn } = plan;
  if (plan.check === 0x7fffffff) {
    plan.check = 0;
    seenIn.fill(0);
  }
  const check = ++plan.check; // never 0, which seenIn starts with
  const base = t.base;
  const count = t.count;
  for (let k = 0; k < count; k++) {
    const m = base + k;
    const start = columns.keyStart[m] as number;
    // An escaped key could spell any name; `_` starts Elasticsearch's metadata fields (and __proto__).
    if (((columns.flags[m] as number) & KEY_ESCAPED) !== 0 || line[start] === 0x5f) return false;
    const slot = slotOf(plan, line, start, columns.keyEnd[m] as number);
    if (slot < 0) {
      if (plan.closed) return false;
      continue;
    }
    if (seenIn[slot] === check) return false; // a duplicate: JSON.parse keeps the last
    seenIn[slot] = check;
    seenAt[slot] = k;
    const rule = plan.rules[slot];
    if (rule === undefined) {
      if (plan.closed) return false;
    } else if (!passes(rule, line, m) || (rule.object !== null && columns.kind[m] === OBJECT && !checkObject(rule.object, line, m))) {
      return false;
    }
  }
  const required = plan.requiredSlots;
  for (let r = 0; r < required.length; r++) if (seenIn[required[r] as number] !== check) return false;
  return true;
}
