// Checks that bytes hold one JSON object, the whole of it valid JSON, and records where each of its
// top-level members lies (and, when asked, a nested object's members) — without building it: no
// strings, no objects, no numbers. What an event's
// fast path (envelopeScanned in envelope.ts) needs, at about a third of `JSON.parse`'s cost on
// the benchmark's log events.
// The grammar is RFC 8259's, as JSON.parse takes it (whitespace: space, tab, LF, CR); anything it
// cannot vouch for — bad syntax, nesting deeper than MAX_DEPTH, more than MAX_MEMBERS members —
// is a `false`, and the caller falls back to JSON.parse, which then says what is wrong. No I/O;
// the answer is written into member tables the caller reads before the next scan.

/** Kinds of member values. */
export const STRING = 1;
export const NUMBER = 2;
export const TRUE = 3;
export const FALSE = 4;
export const NULL = 5;
export const OBJECT = 6;
export const ARRAY = 7;

/** Flags of a member: its value string holds an escape; its key does. */
export const ESCAPED = 1;
export const KEY_ESCAPED = 2;

const MAX_MEMBERS = 256;
const MAX_DEPTH = 128;

/** Objects in an event whose members can be recorded at once besides the event's (tables 1..MAX_NESTED). */
export const MAX_NESTED = 8;
/** Tables: the event's (0), nested objects' (1..MAX_NESTED), and one spare. */
const TABLES = MAX_NESTED + 2;

// The members of every table, in one set of columns (module constants, as the event's own were
// before nested objects had tables: a member is one index into them, whatever its table).
const keyStart = new Int32Array(MAX_MEMBERS * TABLES);
const keyEnd = new Int32Array(MAX_MEMBERS * TABLES);
const valueStart = new Int32Array(MAX_MEMBERS * TABLES);
const valueEnd = new Int32Array(MAX_MEMBERS * TABLES);
const kind = new Uint8Array(MAX_MEMBERS * TABLES);
const flags = new Uint8Array(MAX_MEMBERS * TABLES);

/**
 * Member m (= a table's base + k for its k-th member) has its key in bytes [keyStart[m],
 * keyEnd[m]) (inside the quotes) and its value in [valueStart[m], valueEnd[m]) (a string's
 * inside its quotes, others whole).
 */
export const columns = { keyStart, keyEnd, valueStart, valueEnd, kind, flags };

/** The members of one scanned object: columns [base, base + count). */
export class MemberTable {
  count = 0;
  readonly base: number;
  constructor(base: number) {
    this.base = base;
  }
}

/** tables[0]: the event last scanned by scanObject; 1..MAX_NESTED: for objects in it; the last one spare. */
export const tables: readonly MemberTable[] = Array.from({ length: TABLES }, (_, t) => new MemberTable(t * MAX_MEMBERS));
export const scanned = tables[0] as MemberTable;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** Hex digits, for \uXXXX. */
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** The one-character escapes: \" \\ \/ \b \f \n \r \t. */
const SHORT_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SHORT_ESCAPE[c.charCodeAt(0)] = 1;

/** Flags of the string skipped last (skipString's second answer). */
let stringFlags = 0;

/**
 * The shape of the event scanObject scanned last, measured on the way (the event limits of
 * GATEWAY_MAX_EVENT_*: a compare per string, key and container, not a pass of their own): its
 * nesting depth (the event itself is 1), its object members at every level, and its longest
 * string in bytes as written (keys too). Read it before anything else scans.
 */
export const shape = { depth: 0, fields: 0, longestString: 0 };
// Kept in module variables while scanning (cheaper than an object's fields), copied to `shape` once.
let deepest = 0;
let keys = 0;
let longest = 0;

// Every read checks its bound first: one read past the end, once, makes V8 compile that load for
// reads past the end from then on, and scanning every event slows by about a third
// (bench/README.md, "Events scanned instead of parsed").
const byteAt = (b: Uint8Array, i: number): number => (i < b.length ? (b[i] as number) : 0);

function skipWhitespace(b: Uint8Array, i: number): number {
  for (;;) {
    if (i >= b.length) return i;
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** From just after an opening quote to just after the closing one; -1 if the string is invalid. */
function skipString(b: Uint8Array, i: number, n: number): number {
  let found = 0;
  const from = i;
  for (;;) {
    if (i >= n) return -1;
    const c = b[i] as number;
    if (c === QUOTE) {
      stringFlags = found;
      if (i - from > longest) longest = i - from;
      return i + 1;
    }
    if (c === BACKSLASH) {
      found |= ESCAPED;
      const e = i + 1 < n ? (b[i + 1] as number) : 0;
      if (e === 0x75 /* u */) {
        if (i + 5 >= n || HEX[b[i + 2] as number] === 0 || HEX[b[i + 3] as number] === 0 || HEX[b[i + 4] as number] === 0 || HEX[b[i + 5] as number] === 0) return -1;
        i += 6;
      } else {
        if (SHORT_ESCAPE[e] === 0) return -1;
        i += 2;
      }
      continue;
    }
    if (c < 0x20) return -1; // a control character
    i++;
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** A number's end, or -1: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
function skipNumber(b: Uint8Array, i: number): number {
  const n = b.length;
  let c = i < n ? (b[i] as number) : 0;
  if (c === 0x2d) c = ++i < n ? (b[i] as number) : 0;
  if (c === 0x30) {
    c = ++i < n ? (b[i] as number) : 0;
  } else if (c >= 0x31 && c <= 0x39) {
    do c = ++i < n ? (b[i] as number) : 0; while (isDigit(c));
  } else {
    return -1;
  }
  if (c === 0x2e) {
    c = ++i < n ? (b[i] as number) : 0;
    if (!isDigit(c)) return -1;
    do c = ++i < n ? (b[i] as number) : 0; while (isDigit(c));
  }
  if (c === 0x65 || c === 0x45) {
    c = ++i < n ? (b[i] as number) : 0;
    if (c === 0x2b || c === 0x2d) c = ++i < n ? (b[i] as number) : 0;
    if (!isDigit(c)) return -1;
    do c = ++i < n ? (b[i] as number) : 0; while (isDigit(c));
  }
  return i;
}

/** The end of `true`, `false` or `null` at i, or -1. */
function skipLiteral(b: Uint8Array, i: number): number {
  const c = byteAt(b, i);
  if (c === 0x74) return i + 3 < b.length && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65 ? i + 4 : -1;
  if (c === 0x66) return i + 4 < b.length && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65 ? i + 5 : -1;
  if (c === 0x6e) return i + 3 < b.length && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c ? i + 4 : -1;
  return -1;
}

/** A scalar's end (string, number, literal) at i, or -1. */
function skipScalar(b: Uint8Array, i: number, n: number): number {
  const c = i < n ? (b[i] as number) : 0;
  if (c === QUOTE) return skipString(b, i + 1, n);
  if (c === 0x2d || isDigit(c)) return skipNumber(b, i);
  return skipLiteral(b, i);
}

/** Open containers while skipping a nested value: 1 object, 0 array. */
const containers = new Uint8Array(MAX_DEPTH);

/**
 * The end of the object or array at i (b[i] is `{` or `[`), or -1. Iterative: depth is bounded by
 * MAX_DEPTH, not by the stack.
 */
function skipContainer(b: Uint8Array, i: number, n: number): number {
  let depth = 0;
  for (;;) {
    // i is at a value.
    let c = byteAt(b, i);
    if (c === LBRACE || c === LBRACKET) {
      if (depth === MAX_DEPTH) return -1;
      const isObject = c === LBRACE;
      containers[depth++] = isObject ? 1 : 0;
      if (depth > deepest) deepest = depth;
      i = skipWhitespace(b, i + 1);
      if (byteAt(b, i) === (isObject ? RBRACE : RBRACKET)) {
        i++;
        depth--;
      } else if (isObject) {
        i = skipKey(b, i, n);
        if (i < 0) return -1;
        continue;
      } else {
        continue;
      }
    } else {
      i = skipScalar(b, i, n);
      if (i < 0) return -1;
    }
    // After a value: a comma and the next one, or the ends of containers.
    for (;;) {
      if (depth === 0) return i;
      i = skipWhitespace(b, i);
      c = byteAt(b, i);
      const isObject = containers[depth - 1] === 1;
      if (c === COMMA) {
        i = skipWhitespace(b, i + 1);
        if (isObject) {
          i = skipKey(b, i, n);
          if (i < 0) return -1;
        }
        break;
      }
      if (c !== (isObject ? RBRACE : RBRACKET)) return -1;
      i++;
      depth--;
    }
  }
}

/** A member's key and its colon at i, up to the value (whitespace skipped), or -1. */
function skipKey(b: Uint8Array, i: number, n: number): number {
  if (byteAt(b, i) !== QUOTE) return -1;
  keys++;
  i = skipString(b, i + 1, n);
  if (i < 0) return -1;
  i = skipWhitespace(b, i);
  if (byteAt(b, i) !== COLON) return -1;
  return skipWhitespace(b, i + 1);
}

/**
 * Whether `b` is exactly one JSON object (whitespace around it allowed) with at most MAX_MEMBERS
 * members; if so, `scanned` describes them.
 */
export function scanObject(b: Uint8Array): boolean {
  const n = b.length;
  const i = skipWhitespace(b, 0);
  if (i >= n || b[i] !== LBRACE) return false;
  deepest = 0;
  keys = 0;
  longest = 0;
  const end = scanMembers(b, i + 1, n, scanned);
  shape.depth = deepest + 1;
  shape.fields = keys + scanned.count;
  shape.longestString = longest;
  return end >= 0 && skipWhitespace(b, end) === n;
}

/**
 * Records in `t` the members of the object value b[start, end) of an object scanObject accepted
 * (a member of kind OBJECT, or one of its own); false when it has more than MAX_MEMBERS.
 */
export function scanNested(b: Uint8Array, start: number, end: number, t: MemberTable): boolean {
  return b[start] === LBRACE && scanMembers(b, start + 1, end, t) === end;
}

/** The members of an object from just after its `{` into `t`; the offset after its `}`, or -1. */
function scanMembers(b: Uint8Array, i: number, n: number, t: MemberTable): number {
  const base = t.base;
  i = skipWhitespace(b, i);
  let k = base;
  const last = base + MAX_MEMBERS;
  if (i < n && b[i] === RBRACE) {
    t.count = 0;
    return i + 1;
  }
  for (;;) {
    if (i >= n || b[i] !== QUOTE || k === last) return -1;
    keyStart[k] = i + 1;
    i = skipString(b, i + 1, n);
    if (i < 0) return -1;
    keyEnd[k] = i - 1;
    let found = (stringFlags & ESCAPED) !== 0 ? KEY_ESCAPED : 0;
    i = skipWhitespace(b, i);
    if (i >= n || b[i] !== COLON) return -1;
    i = skipWhitespace(b, i + 1);
    if (i >= n) return -1;
    const c = b[i] as number;
    if (c === QUOTE) {
      valueStart[k] = i + 1;
      i = skipString(b, i + 1, n);
      if (i < 0) return -1;
      valueEnd[k] = i - 1;
      kind[k] = STRING;
      found |= stringFlags;
    } else {
      valueStart[k] = i;
      if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        i = skipNumber(b, i);
        kind[k] = NUMBER;
      } else if (c === LBRACE || c === LBRACKET) {
        i = skipContainer(b, i, n);
        kind[k] = c === LBRACE ? OBJECT : ARRAY;
      } else {
        i = skipLiteral(b, i);
        kind[k] = c === 0x74 ? TRUE : c === 0x66 ? FALSE : NULL;
      }
      if (i < 0) return -1;
      valueEnd[k] = i;
    }
    flags[k] = found;
    k++;
    i = skipWhitespace(b, i);
    if (i >= n) return -1;
    if (b[i] === COMMA) {
      i = skipWhitespace(b, i + 1);
      continue;
    }
    if (b[i] !== RBRACE) return -1;
    t.count = k - base;
    return i + 1;
  }
}
