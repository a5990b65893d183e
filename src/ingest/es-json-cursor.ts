// A pull tokenizer over one line of JSON that behaves as Jackson (Elasticsearch's JSON parser)
// does for the bulk API: lenient and lazy in the same places, and wording its errors the same way,
// positions and source snippet included — so the Elasticsearch-compatible API answers a malformed
// bulk body as Elasticsearch would (es-bulk-request.ts). Pure.

export const LF = 0x0a;
export const CR = 0x0d;

export interface Cause { type: string; reason: string }

/** An error Elasticsearch would answer: its type, reason and cause. */
export class EsFailure extends Error {
  readonly type: string;
  readonly causedBy: Cause | undefined;
  constructor(type: string, reason: string, causedBy?: Cause) {
    super(reason);
    this.type = type;
    this.causedBy = causedBy;
  }
}
export const iae = (reason: string): EsFailure => new EsFailure('illegal_argument_exception', reason);

export type Tok = 'START_OBJECT' | 'END_OBJECT' | 'START_ARRAY' | 'END_ARRAY' | 'FIELD_NAME' | 'VALUE_STRING' | 'VALUE_NUMBER' | 'VALUE_BOOLEAN' | 'VALUE_NULL';
const VALID = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/** A Jackson error; Elasticsearch wraps it in an exception of its own, by kind. */
export class JsonFailure extends Error {
  readonly kind: 'eof' | 'parse' | 'coercion';
  readonly at: string;
  constructor(kind: 'eof' | 'parse' | 'coercion', detail: string, at: string) {
    super(detail);
    this.kind = kind;
    this.at = at;
  }
  esCause(): Cause {
    const type = { eof: 'json_e_o_f_exception', parse: 'json_parse_exception', coercion: 'input_coercion_exception' }[this.kind];
    return { type, reason: this.message };
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
// Java's isJavaIdentifierStart/Part, with every non-ASCII character counted as a letter.
const isIdentStart = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a || c === 0x5f || c === 0x24 || c >= 0x80;
const isIdentPart = (c: number) => isIdentStart(c) || isDigit(c);
const isControl = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f);
const hex4 = (c: number) => c.toString(16).toUpperCase().padStart(4, '0');

function charDesc(c: number): string {
  if (isControl(c)) return `(CTRL-CHAR, code ${c})`;
  const ch = String.fromCodePoint(c);
  return c > 255 ? `'${ch}' (code ${c} / 0x${c.toString(16)})` : `'${ch}' (code ${c})`;
}

// names is searched linearly while small (action lines); big objects (update docs) get a Set.
interface Frame { kind: 'root' | 'Object' | 'Array'; line: number; col: number; names: string[]; set: Set<string> | undefined; entries: number }

/**
 * A pull tokenizer over one line, behaving as Jackson does for Elasticsearch: a field's value is
 * read together with its name, a string value is only scanned when read or skipped, comments are
 * allowed, duplicate keys are errors; positions are [line:column] of the line's bytes.
 */
export class JsonCursor {
  name = '';
  private b: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  private p = 0;
  private line = 1;
  private rowStart = 0;
  // Frames are reused across lines: stack[0..depth] is live.
  private readonly stack: Frame[] = [{ kind: 'root', line: 1, col: 0, names: [], set: undefined, entries: 0 }];
  private depth = 0;
  private tok: Tok | null = null;
  private jtok = 'null'; // Jackson's name for the current token, which its messages use
  private stashed = false; // the value read with the current field name, returned by the next call
  private nextTok: Tok = 'VALUE_NULL';
  private nextJ = '';
  private strAt = -1; // an unscanned string token: the offset after its opening quote
  private value = '';
  private tokStart = 0;
  // Token locations, kept as numbers: strings only when an error needs them.
  private valLine = 1;
  private valCol = 0;
  private nameLine = 1;
  private nameCol = 0;

  /** Points the cursor at b[start, end). */
  reset(b: Buffer, start: number, end: number): this {
    this.b = b;
    this.start = this.p = this.rowStart = start;
    this.end = end;
    this.line = 1;
    this.depth = 0;
    (this.stack[0] as Frame).entries = 0;
    this.tok = null;
    this.jtok = 'null';
    this.stashed = false;
    this.strAt = -1;
    this.valLine = this.nameLine = 1;
    this.valCol = this.nameCol = 0;
    return this;
  }

  /** Jackson's token location, as Elasticsearch prints it: "line:column". */
  location(): string {
    return this.jtok === 'FIELD_NAME' ? `${this.nameLine}:${this.nameCol}` : `${this.valLine}:${this.valCol}`;
  }

  next(): Tok | null {
    if (this.stashed) {
      this.stashed = false;
      return this.emit(this.nextTok, this.nextJ);
    }
    if (this.strAt >= 0) this.scanString(false);
    let c = this.skipWs();
    const f = this.stack[this.depth] as Frame;
    if (c < 0) {
      if (f.kind === 'root') return (this.tok = null);
      throw this.fail('eof', `Unexpected end-of-input: expected close marker for ${f.kind} (start marker at ${this.where(f.line, f.col)})`, this.end);
    }
    if (c === 0x5d || c === 0x7d) return this.close(c, f);
    if (f.entries > 0 && f.kind !== 'root') {
      if (c !== 0x2c) throw this.unexpected(this.p, `was expecting comma to separate ${f.kind} entries`);
      this.p++;
      if ((c = this.skipWs()) < 0) throw this.fail('parse', `Unexpected end-of-input within/between ${f.kind} entries`, this.end);
    }
    f.entries++;
    if (f.kind !== 'Object') {
      this.markValue();
      this.scalarOrOpen(c, f.kind);
      return this.emit(this.nextTok, this.nextJ);
    }
    this.nameLine = this.line;
    this.nameCol = this.p - this.rowStart + 1;
    if (c !== 0x22) throw this.unexpected(this.p, 'was expecting double-quote to start field name');
    this.strAt = this.p + 1;
    const name = this.scanString(true);
    if (f.set ? f.set.has(name) : f.names.includes(name)) throw this.fail('parse', `Duplicate field '${name}'`, this.p);
    if (f.set) f.set.add(name);
    else if (f.names.push(name) > 16) f.set = new Set(f.names);
    this.name = name;
    this.jtok = 'FIELD_NAME';
    if ((c = this.skipWs()) < 0) throw this.fail('eof', 'Unexpected end-of-input within/between Object entries', this.end);
    if (c !== 0x3a) throw this.unexpected(this.p, 'was expecting a colon to separate field name and value');
    this.p++;
    if ((c = this.skipWs()) < 0) throw this.fail('eof', 'Unexpected end-of-input within/between Object entries', this.end);
    this.markValue();
    this.scalarOrOpen(c, 'Object');
    this.stashed = true;
    return (this.tok = 'FIELD_NAME');
  }

  /** The current scalar's text, as XContentParser.text() gives it (numbers as written). */
  text(): string {
    if (this.strAt >= 0) this.value = this.scanString(false);
    return this.value;
  }

  /** XContentParser.booleanValue(): true/false, or the strings "true", "false" and "". */
  bool(): boolean {
    if (this.tok === 'VALUE_BOOLEAN') return this.value === 'true';
    if (this.tok !== 'VALUE_STRING') throw this.fail('parse', `Current token (${this.jtok}) not of boolean type`, this.p);
    const s = this.text();
    if (s === 'true' || s === 'false' || s === '') return s === 'true';
    throw iae(`Failed to parse value [${s}] as only [true] or [false] are allowed.`);
  }

  /** XContentParser.longValue() (intValue() when `int`), coercing strings and fractions; records the value as sent in `extra`. */
  long(field: string, extra: Record<string, unknown>, int = false): number {
    const s = this.text();
    if (this.tok === 'VALUE_BOOLEAN') throw this.fail('parse', `Current token (${this.jtok}) not numeric, can not use numeric value accessors`, this.p);
    const str = this.tok === 'VALUE_STRING';
    if (str && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
      throw new EsFailure(int ? 'number_format_exception' : 'illegal_argument_exception', `For input string: "${s}"`);
    }
    const n = Number(s);
    const v = /^[+-]?\d+$/.test(s) ? BigInt(s) : Number.isFinite(n) ? BigInt(Math.trunc(n)) : 2n ** 64n;
    const [lo, hi] = int ? [-(2n ** 31n), 2n ** 31n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
    if (v < lo || v > hi) {
      if (str) throw iae(`Value [${s}] is out of range for ${int ? 'an integer' : 'a long'}`);
      throw this.fail('coercion', `Numeric value (${s}) out of range of ${int ? 'int' : 'long'} (${lo} - ${hi})`, this.p);
    }
    extra[field] = str ? s : Number.isSafeInteger(n) || this.jtok === 'VALUE_NUMBER_FLOAT' ? n : s;
    return Number(v);
  }

  /** XContentParser.mapStrings() on the object just started. */
  mapStrings(): Record<string, string> {
    const out: Record<string, string> = {};
    while (this.next() !== 'END_OBJECT') {
      const key = this.name;
      const t = this.next();
      if (t === 'START_OBJECT' || t === 'START_ARRAY' || t === 'VALUE_NULL') throw iae(`Expected text at ${this.location()} but found ${t}`);
      out[key] = this.text();
    }
    return out;
  }

  /** Skips the object or array just started; returns its text if asked. */
  skipChildren(text = false): string | undefined {
    const s = this.tokStart;
    for (let depth = 1; depth > 0; ) {
      const t = this.next();
      if (t === 'START_OBJECT' || t === 'START_ARRAY') depth++;
      else if (t === 'END_OBJECT' || t === 'END_ARRAY') depth--;
    }
    return text ? this.b.toString('utf8', s, this.p) : undefined;
  }

  private emit(t: Tok, j: string): Tok {
    this.tok = t;
    this.jtok = j;
    if (t === 'START_OBJECT' || t === 'START_ARRAY') {
      let f = this.stack[++this.depth];
      if (f === undefined) this.stack.push((f = { kind: 'root', line: 0, col: 0, names: [], set: undefined, entries: 0 }));
      f.kind = t === 'START_OBJECT' ? 'Object' : 'Array';
      f.line = this.valLine;
      f.col = this.valCol;
      f.names.length = 0;
      f.set = undefined;
      f.entries = 0;
    }
    return t;
  }

  private close(c: number, f: Frame): Tok {
    this.markValue();
    if (f.kind !== (c === 0x5d ? 'Array' : 'Object')) {
      const want = c === 0x5d ? '}' : ']';
      const of = `${f.kind === 'root' ? 'root' : f.kind} starting at ${this.where(f.line, f.col)}`;
      throw this.fail('parse', `Unexpected close marker '${String.fromCharCode(c)}': expected '${want}' (for ${of})`, this.p);
    }
    this.p++;
    this.depth--;
    const t = c === 0x5d ? 'END_ARRAY' : 'END_OBJECT';
    return this.emit(t, t);
  }

  /** Reads a value's first token into nextTok/nextJ (Jackson's name). */
  private scalarOrOpen(c: number, ctx: Frame['kind']): void {
    const s = (this.tokStart = this.p);
    this.p++;
    switch (c) {
      case 0x22: this.strAt = s + 1; return this.read('VALUE_STRING', 'VALUE_STRING');
      case 0x7b: return this.read('START_OBJECT', 'START_OBJECT');
      case 0x5b: return this.read('START_ARRAY', 'START_ARRAY');
      case 0x74: this.literal('true'); return this.read('VALUE_BOOLEAN', 'VALUE_TRUE');
      case 0x66: this.literal('false'); return this.read('VALUE_BOOLEAN', 'VALUE_FALSE');
      case 0x6e: this.literal('null'); return this.read('VALUE_NULL', 'VALUE_NULL');
      case 0x7d: case 0x2c: throw this.unexpected(s, 'expected a value');
      case 0x5d: throw this.unexpected(s, ctx === 'Array' ? 'expected a value' : `expected a valid value ${VALID}`);
      case 0x2b: throw this.fail('parse', "Unexpected character ('+' (code 43)) in numeric value: JSON spec does not allow numbers to have plus signs: enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow", s + 1);
      case 0x4e: case 0x49: {
        const word = c === 0x4e ? 'NaN' : 'Infinity';
        this.literal(word);
        throw this.fail('parse', `Non-standard token '${word}': enable \`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS\` to allow`, this.p);
      }
    }
    if (c === 0x2d || isDigit(c)) return this.number(s, ctx === 'root');
    if (isIdentStart(c)) throw this.invalidToken(s, '');
    throw this.unexpected(s, `expected a valid value ${VALID}`);
  }

  private read(t: Tok, j: string): void {
    this.nextTok = t;
    this.nextJ = j;
  }

  private literal(word: string): void {
    let q = this.p;
    for (let i = 1; i < word.length; i++, q++) if (this.at(q) !== word.charCodeAt(i)) throw this.invalidToken(q, word.slice(0, i));
    const n = this.at(q);
    if (n >= 0x30 && n !== 0x5d && n !== 0x7d && isIdentPart(n)) throw this.invalidToken(q, word);
    this.p = q;
    this.value = word;
  }

  private invalidToken(q: number, tok: string): JsonFailure {
    while (q < this.end) {
      const c = this.codeAt(q);
      q += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      if (!isIdentPart(c)) break;
      tok += String.fromCodePoint(c);
      if (tok.length >= 256) {
        tok += '...';
        break;
      }
    }
    return this.fail('parse', `Unrecognized token '${tok}': was expecting ${VALID}`, q);
  }

  private number(s: number, root: boolean): void {
    let q = s;
    const numErr = (at: number, why: string) => this.fail('parse', `Unexpected character (${charDesc(this.codeAt(at))}) in numeric value: ${why}`, at);
    if (this.at(q) === 0x2d) {
      if (++q >= this.end) throw this.fail('eof', `Unexpected end-of-input in ${this.jtok}`, this.end);
      if (!isDigit(this.at(q))) throw numErr(q, 'expected digit (0-9) to follow minus sign, for valid numeric value');
    }
    if (this.at(q) === 0x30 && isDigit(this.at(q + 1))) throw this.fail('parse', 'Invalid numeric value: Leading zeroes not allowed', q + 1);
    while (isDigit(this.at(q))) q++;
    let float = false;
    if (this.at(q) === 0x2e) {
      float = true;
      if (!isDigit(this.at(++q))) throw numErr(q < this.end ? q : q - 1, 'Decimal point not followed by a digit');
      while (isDigit(this.at(q))) q++;
    }
    if ((this.at(q) | 0x20) === 0x65) {
      float = true;
      if (this.at(++q) === 0x2b || this.at(q) === 0x2d) q++;
      if (q >= this.end) throw this.fail('eof', `Unexpected end-of-input in ${this.jtok}`, this.end);
      if (!isDigit(this.at(q))) throw numErr(q, 'Exponent indicator not followed by a digit');
      while (isDigit(this.at(q))) q++;
    }
    const after = this.at(q);
    if (root && after >= 0 && after !== 0x20 && after !== 0x09 && after !== CR) throw this.unexpected(q, 'Expected space separating root-level values');
    this.p = q;
    this.value = this.b.toString('latin1', s, q);
    this.read('VALUE_NUMBER', float ? 'VALUE_NUMBER_FLOAT' : 'VALUE_NUMBER_INT');
  }

  private scanString(isName: boolean): string {
    const s = this.strAt;
    this.strAt = -1;
    const eof = (what: string) => this.fail('eof', `Unexpected end-of-input in ${what}`, this.end);
    let q = s;
    let escaped = false;
    let ascii = true;
    for (let c = this.at(q); c !== 0x22; c = this.at(q)) {
      if (c < 0) throw eof(isName ? 'field name' : 'VALUE_STRING');
      if (c === 0x5c) {
        escaped = true;
        const e = this.at(++q);
        if (e < 0) throw eof('character escape sequence');
        if (e === 0x75) {
          for (let i = 0; i < 4; i++) {
            const h = this.at(++q);
            if (h < 0) throw eof('character escape sequence');
            if (!isHex(h)) throw this.unexpected(q, 'expected a hex-digit for character escape sequence');
          }
        } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          throw this.fail('parse', `Unrecognized character escape ${charDesc(this.codeAt(q))}`, q);
        }
        q++;
      } else if (c < 0x20) {
        throw this.fail('parse', `Illegal unquoted character (${charDesc(c)}): has to be escaped using backslash to be included in ${isName ? 'name' : 'string value'}`, q);
      } else if (c >= 0x80) {
        ascii = false;
        const n = c < 0xc0 ? -1 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf8 ? 3 : -1;
        if (n < 0) throw this.fail('parse', `Invalid UTF-8 start byte 0x${c.toString(16)}`, q + 1);
        for (let i = 1; i <= n; i++) {
          const x = this.at(q + i);
          if (x < 0) throw eof(isName ? 'field name' : 'VALUE_STRING');
          if ((x & 0xc0) !== 0x80) throw this.fail('parse', `Invalid UTF-8 middle byte 0x${x.toString(16)}`, q + i + 1);
        }
        q += n + 1;
      } else q++;
    }
    this.p = q + 1;
    if (escaped) return JSON.parse(this.b.toString('utf8', s - 1, q + 1)) as string;
    return this.b.toString(ascii ? 'latin1' : 'utf8', s, q);
  }

  private skipWs(): number {
    for (;;) {
      const c = this.at(this.p);
      if (c === 0x20 || c === 0x09) this.p++;
      else if (c === CR) {
        this.rowStart = ++this.p;
        this.line++;
      } else if (c < 0x20 && c >= 0) {
        throw this.fail('parse', `Illegal character (${charDesc(c)}): only regular white space (\\r, \\n, \\t) is allowed between tokens`, this.p + 1);
      } else if (c !== 0x2f) return c;
      else if (this.at(this.p + 1) === 0x2f) {
        const cr = this.b.indexOf(CR, this.p);
        this.p = cr === -1 || cr > this.end ? this.end : cr;
      } else if (this.at(this.p + 1) === 0x2a) {
        const close = this.b.indexOf('*/', this.p + 2);
        if (close === -1 || close + 2 > this.end) throw this.fail('eof', 'Unexpected end-of-input in a comment', this.end);
        this.p = close + 2;
      } else if (this.p + 1 >= this.end) {
        throw this.fail('eof', 'Unexpected end-of-input in a comment', this.end);
      } else throw this.unexpected(this.p + 1, "was expecting either '*' or '/' for a comment");
    }
  }

  private at(i: number): number {
    return i < this.end ? (this.b[i] as number) : -1;
  }

  private codeAt(i: number): number {
    const c = this.at(i);
    return c < 0x80 ? c : (this.b.toString('utf8', i, Math.min(i + 4, this.end)).codePointAt(0) ?? c);
  }

  private markValue(): void {
    this.valLine = this.line;
    this.valCol = this.p - this.rowStart + 1;
  }

  private unexpected(at: number, why: string): JsonFailure {
    return this.fail('parse', `Unexpected character (${charDesc(this.codeAt(at))}): ${why}`, at);
  }

  /** A Jackson error at byte `at`, with Jackson's source snippet: the line's first 500 bytes, controls escaped. */
  private fail(kind: 'eof' | 'parse' | 'coercion', msg: string, at: number): JsonFailure {
    const col = at - this.rowStart + 1;
    return new JsonFailure(kind, `${msg}\n at ${this.where(this.line, col)}`, `${this.line}:${col}`);
  }

  private where(line: number, col: number): string {
    const len = this.end - this.start;
    let text = '';
    for (const ch of this.b.toString('utf8', this.start, this.start + Math.min(len, 500))) {
      const c = ch.charCodeAt(0);
      text += isControl(c) && c !== CR && c !== LF ? `\\u${hex4(c)}` : ch;
    }
    return `[Source: (byte[])"${text}"${len > 500 ? `[truncated ${len - 500} bytes]` : ''}; line: ${line}, column: ${col}]`;
  }
}
