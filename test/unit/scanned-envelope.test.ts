// The fast path (events scanned, not parsed) against the way every event went before it: JSON.parse
// and the stream's Ajv validator. Over generated events, valid and broken, the scanner must accept
// exactly the lines JSON.parse reads as an object, and wherever the fast path answers, its answer
// must be the one envelopeParsed gives — same id, index and bytes.
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { envelopeParsed, envelopeScanned, type EnvelopeResult } from '../../src/ingest/envelope.ts';
import { columns, scanned, scanObject } from '../../src/ingest/json-object-scanner.ts';
import { numberAt } from '../../src/ingest/scan-plan-check.ts';
import { compileScanPlan } from '../../src/ingest/scan-plan-compiler.ts';
import { createStreamRegistry } from '../../src/ingest/stream-context.ts';
import { seededRandom as seeded } from '../../bench/lib/events.ts';

const NOW = Date.parse('2026-11-21T10:00:00.000Z');

const SCHEMAS: Record<string, unknown> = {
  // The benchmark's.
  logs: {
    type: 'object',
    required: ['level', 'service', 'message'],
    properties: {
      level: { enum: ['debug', 'info', 'warn', 'error'] },
      service: { type: 'string', maxLength: 8 },
      status: { type: 'integer', minimum: 100, maximum: 599 },
      duration_ms: { type: 'number', minimum: 0 },
      message: { type: 'string', maxLength: 12 },
    },
  },
  closed: {
    type: 'object',
    additionalProperties: false,
    required: ['kind'],
    properties: {
      '@timestamp': {},
      'event.id': { type: 'string' },
      kind: { const: 'a', description: 'annotations are ignored' },
      name: { type: 'string', minLength: 2, maxLength: 3 },
      n: { type: ['integer', 'null'], exclusiveMinimum: -1, exclusiveMaximum: 10 },
      x: { enum: [1, 'é', true, null] },
      flag: { type: 'boolean' },
      tags: { type: 'array' },
      meta: { type: 'object' },
      code: { type: 'string', pattern: '^[a-z]{2}\\d$' },
      word: { pattern: '^\\p{L}+$' }, // Unicode property escapes need the u flag, as Ajv compiles it
      at: { type: 'string', format: 'date-time' }, // ajv-formats: an object with validate
      mail: { format: 'email' }, // ajv-formats: a RegExp
      gone: false,
      any: true,
    },
  },
  // Objects in objects (ECS-style).
  nested: {
    type: 'object',
    required: ['http'],
    properties: {
      http: {
        type: 'object',
        required: ['method'],
        additionalProperties: false,
        properties: {
          method: { enum: ['GET', 'POST'] },
          status: { type: 'integer', minimum: 100, maximum: 599 },
          // No type: a value that is not an object passes `properties` and `required`.
          request: { required: ['bytes'], properties: { bytes: { type: 'number', minimum: 0 }, id: { type: 'string', maxLength: 3 } } },
        },
      },
      user: { type: ['object', 'null'], properties: { name: { type: 'string', pattern: '^[a-z]+$' }, address: { properties: { city: { type: 'string' }, zip: { type: 'string' } } } } },
    },
  },
};

const config = loadConfig({}, { streams: { logs: { schema: SCHEMAS.logs }, closed: { schema: SCHEMAS.closed }, nested: { schema: SCHEMAS.nested } } });
const registry = createStreamRegistry(config, () => NOW);
const flatIdRegistry = createStreamRegistry(loadConfig({ GATEWAY_ID_FIELD: 'id' }, { streams: { logs: { schema: SCHEMAS.logs } } }), () => NOW);
const streams = {
  logs: registry.get('logs')!,
  closed: registry.get('closed')!,
  nested: registry.get('nested')!,
  schemaless: registry.get('web')!,
  flatId: flatIdRegistry.get('logs')!,
};

const KEYS = ['level', 'service', 'status', 'duration_ms', 'message', '@timestamp', 'event.id', 'event', 'id', 'kind', 'name', 'n', 'x',
  'flag', 'tags', 'meta', 'gone', 'any', 'other', '_id', '_meta', '__proto__', 'toString', 'näme', '', 'lev\\u0065l', 'a\\"b'];
const STRINGS = ['info', 'warn', 'nope', 'a', 'é', 'ab', 'abc', 'abcd', 'éé', 'ééé', 'éééé', '😀😀', '😀😀😀😀', 'checkout', 'checkout1', 'hello world!', 'hello world!!',
  'x\\ny', 'inf\\u006f', '\\"', '\\\\', '\\/', '\\ud83d\\ude00', '\\ud800', 'tab\\there', '2026-01-15T10:00:00Z', '2026-01-15T10:00:00.123Z',
  '2026-02-30T00:00:00Z', '2026-01-15', '2026-01-15T10:00:00+02:00', 'not a date', ''];
const NUMBERS = ['0', '-0', '1', '-1', '1.0', '1.5', '99', '100', '599', '600', '9', '10', '-1.0', '0.1', '123.456', '1e2', '1E2', '1e-2', '1e400', '-1e400',
  '12345678901234567890', '123456789012345', '1234567890123456', '0.000000000000001', '9007199254740993', '1768471200000', '1.7976931348623157e308'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function value(r: () => number, depth: number): string {
  const roll = r();
  if (roll < 0.45) return `"${pick(r, STRINGS)}"`;
  if (roll < 0.75) return pick(r, NUMBERS);
  if (roll < 0.85) return pick(r, ['true', 'false', 'null']);
  if (depth > 2) return '{}';
  const n = Math.floor(r() * 3);
  const items = Array.from({ length: n }, () => value(r, depth + 1));
  return r() < 0.5 ? `[${items.join(',')}]` : `{${items.map((v, i) => `"${pick(r, KEYS)}${i}":${v}`).join(', ')}}`;
}

const ws = (r: () => number) => pick(r, ['', '', '', ' ', '\t', ' \r']);

function event(r: () => number): string {
  const n = Math.floor(r() * 7);
  const members: string[] = [];
  for (let i = 0; i < n; i++) members.push(`${ws(r)}"${pick(r, KEYS)}"${ws(r)}:${ws(r)}${value(r, 0)}${ws(r)}`);
  return `${ws(r)}{${members.join(',')}}${ws(r)}`;
}

/** A valid event of the logs schema (most of them pass it). */
function logEvent(r: () => number): string {
  const m = [`"level":"${pick(r, ['info', 'warn', 'error', 'nope'])}"`, `"service":"${pick(r, ['auth', 'checkout', 'checkout1', 'éé'])}"`,
    `"message":"${pick(r, ['ok', 'hello world!', 'hello world!!', 'ünïcödé'])}"`, `"status":${pick(r, ['200', '99', '599.0', '404'])}`,
    `"duration_ms":${pick(r, ['1.5', '0', '-0.1', '12.25'])}`];
  if (r() < 0.5) m.push(`"@timestamp":"${pick(r, ['2026-01-15T10:00:00Z', '2026-01-15T10:00:00.123Z', '2026-13-01T00:00:00Z'])}"`);
  if (r() < 0.3) m.push(`"event.id":"${pick(r, ['a-1', 'é-2', ''])}"`);
  return `{${m.sort(() => r() - 0.5).join(',')}}`;
}

/** An event for the closed schema (many of them pass it). */
function closedEvent(r: () => number): string {
  const m = [`"kind":${pick(r, ['"a"', '"a"', '"a"', '"b"', '1'])}`];
  const optional: [string, string[]][] = [
    ['name', ['"ab"', '"abc"', '"a"', '"abcd"', '"éé"', '"😀😀😀"', '"a\\u0062"']],
    ['n', ['0', '9', '10', '-1', '-0.5', '9.5', '1.0', 'null', '"1"']],
    ['x', ['1', '1.0', '"é"', 'true', 'false', 'null', '"e"', '[1]', '{}']],
    ['flag', ['true', 'false', 'null']],
    ['tags', ['[]', '["a",{"b":[null]}]', '{}']],
    ['meta', ['{}', '{"a":{"b":"c"}}', '[]']],
    ['code', ['"ab1"', '"ab1"', '"xy0"', '"AB1"', '"ab12"', '"zz9"', '"ab\\u0031"', '"éa1"', '5', 'null']],
    ['word', ['"héllo"', '"hello"', '"hello"', '"hello1"', '"😀"', '""', '12', '"h\\u00e9llo"', '"ⅷ"', '"ǅ"', '"p{L}"']],
    ['at', ['"2026-01-15T10:00:00Z"', '"2026-01-15T10:00:00Z"', '"2026-01-15T10:00:00.5+02:00"', '"2026-02-30T10:00:00Z"', '"2026-01-15"', '"yesterday"', '"2026-01-15T10:00:00\\u005a"', '7']],
    ['mail', ['"a@b.co"', '"a@b.co"', '"x.y@ex.org"', '"not mail"', '"é@b.co"', '"a\\u0040b.co"', 'true']],
    ['gone', ['1']],
    ['any', ['{"x":[1,2]}', '"s"']],
    ['@timestamp', ['"2026-01-15T10:00:00Z"', '1768471200000', '"bad"']],
    ['event.id', ['"c-1"', '""', '7']],
    ['other', ['1']],
  ];
  const chance: Record<string, number> = { gone: 0.05, other: 0.05, code: 0.15, word: 0.15, at: 0.12, mail: 0.12 };
  for (const [key, values] of optional) if (r() < (chance[key] ?? 0.4)) m.push(`"${key}":${pick(r, values)}`);
  return `{${m.sort(() => r() - 0.5).join(',')}}`;
}

/** An event for the nested schema (many of them pass it). */
function nestedEvent(r: () => number): string {
  const http: string[] = [];
  if (r() < 0.9) http.push(`"method":${pick(r, ['"GET"', '"GET"', '"POST"', '"PUT"', '1', '"G\\u0045T"'])}`);
  if (r() < 0.5) http.push(`"status":${pick(r, ['200', '404', '99', '600', '200.0', '200.5', '"200"'])}`);
  if (r() < 0.5) {
    http.push(`"request":${pick(r, ['{"bytes":10}', '{"bytes":0,"id":"abc"}', '{ "id" : "ab" , "bytes" : 2.5 }', '{"bytes":-1}', '{"id":"ab"}', '{"bytes":1,"id":"abcd"}',
      '{"bytes":1,"bytes":2}', '{"bytes":1,"_x":1}', '{"bytes":1,"extra":{"deep":[1,{"x":null}]}}', '{"bytes":1,"id":"a\\"b"}', '{}', '7', '[]', 'null'])}`);
  }
  if (r() < 0.05) http.push('"other":1');
  if (r() < 0.05) http.push('"method":"POST"'); // a duplicate
  const m: string[] = [];
  if (r() < 0.95) m.push(`"http":${r() < 0.05 ? pick(r, ['[]', '"x"', 'null']) : `{${http.sort(() => r() - 0.5).join(',')}}`}`);
  if (r() < 0.4) m.push(`"user":${pick(r, ['{"name":"ann"}', '{"name":"Ann"}', '{"name":"ann","id":7}', 'null', '{}', '"ann"', '{"name":"\\u0061nn"}', '{"n\\u0061me":"A"}',
      '{"address":{"city":"x","zip":"1"},"name":"Ann"}', '{"address":{"city":"x","zip":"1"},"name":"ann"}', '{"address":{"zip":1},"name":"ann"}', '{"name":"ann","address":[]}'])}`);
  if (r() < 0.3) m.push('"@timestamp":"2026-01-15T10:00:00Z"');
  if (r() < 0.2) m.push('"event.id":"n-1"');
  if (r() < 0.4) { // the id field nested (readPath's way), or not there at all
    m.push(`"event":${pick(r, ['{"id":"e-1"}', '{"kind":"x","id":"é-2","duration":5}', '{"kind":"x"}', '{ "id" : "e-3" }', '{"id":""}', '{"id":7}', '{"id":null}',
      '{"id":"a","id":"b"}', '{"i\\u0064":"x"}', '{"id":"\\u0065"}', `{"id":"${'x'.repeat(513)}"}`, `{"id":"${'x'.repeat(512)}"}`, '{"id":{"id":"x"}}',
      '[{"id":"x"}]', '"e-4"', 'null', '{}', '{"_id":"x","id":"e-5"}'])}`);
  }
  if (r() < 0.1) m.push('"level":"info"');
  return `{${m.sort(() => r() - 0.5).join(',')}}`;
}

const MUTATION_BYTES = [...'{}[],:"\\ 0123456789.eE-+tfnulx'].map((c) => c.charCodeAt(0)).concat([0x01, 0x0a, 0xc3]);

/** The line with one to three random byte edits (deleted, inserted, replaced). */
function mutate(r: () => number, line: string): Buffer {
  const bytes = [...Buffer.from(line)];
  for (let e = 1 + Math.floor(r() * 3); e > 0; e--) {
    const at = Math.floor(r() * (bytes.length + 1));
    const roll = r();
    if (roll < 0.33) bytes.splice(at, 1);
    else if (roll < 0.66) bytes.splice(at, 0, pick(r, MUTATION_BYTES));
    else bytes[Math.min(at, bytes.length - 1)] = pick(r, MUTATION_BYTES);
  }
  return Buffer.from(bytes);
}

function generated(seed: number, count: number): Buffer[] {
  const r = seeded(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const roll = r();
    const line = roll < 0.25 ? logEvent(r) : roll < 0.5 ? closedEvent(r) : roll < 0.7 ? nestedEvent(r) : event(r);
    out.push(r() < 0.3 ? mutate(r, line) : Buffer.from(line));
  }
  return out.filter((b) => isUtf8(b) && !b.includes(0x0a)); // what reaches envelopeLine: valid UTF-8, one line
}

const LINES = generated(20261121, 30_000);

function parsesToObject(line: Buffer): object | undefined {
  try {
    const v: unknown = JSON.parse(line.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const comparable = (r: EnvelopeResult) => (r.ok ? { ok: true, id: r.event.id, index: r.event.index, source: r.event.source.toString('latin1') } : r);

describe('scanObject', () => {
  it('accepts exactly the lines JSON.parse reads as an object, and finds their members', () => {
    let objects = 0;
    for (const line of LINES) {
      const parsed = parsesToObject(line);
      expect(scanObject(line), line.toString()).toBe(parsed !== undefined);
      if (parsed === undefined) continue;
      objects++;
      // Every member's key, and its value's bytes, as JSON.parse reads them.
      for (let k = 0; k < scanned.count; k++) {
        const key = JSON.parse(`"${line.toString('utf8', columns.keyStart[k], columns.keyEnd[k])}"`) as string;
        expect(Object.hasOwn(parsed, key)).toBe(true);
        const raw = line.toString('utf8', columns.valueStart[k], columns.valueEnd[k]);
        expect(() => JSON.parse(columns.kind[k] === 1 ? `"${raw}"` : raw)).not.toThrow();
      }
    }
    expect(objects).toBeGreaterThan(10_000);
    expect(LINES.length - objects).toBeGreaterThan(3_000);
  }, 30_000); // ~4 s alone: hundreds of thousands of assertions, slower on a loaded machine

  it('refuses what JSON.parse refuses around the object, and nesting past its depth', () => {
    for (const bad of ['', ' ', '{', '{"a":1', '{"a":1}}', '{"a":1} x', '[]', '"s"', '1', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":-}', '{"a":1e}',
      '{"a":tru}', '{"a":nul}', '{"a":"\\x"}', '{"a":"\\u12"}', '{"a":"\u0001"}', '{"a":[1,]}', '{"a":{"b":1,}}', '{,}', '{"a" 1}', '\ufeff{}']) {
      expect(scanObject(Buffer.from(bad)), bad).toBe(false);
    }
    expect(scanObject(Buffer.from(`{"a":${'['.repeat(100)}${']'.repeat(100)}}`))).toBe(true);
    expect(scanObject(Buffer.from(`{"a":${'['.repeat(200)}${']'.repeat(200)}}`))).toBe(false); // JSON.parse takes it: parsed instead
    expect(scanObject(Buffer.from(' {\t"a" : "b" ,"c":[ ] }\r'))).toBe(true);
  });
});

describe('numberAt', () => {
  it('reads every JSON number as JSON.parse does', () => {
    const r = seeded(7);
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
    const samples = [...NUMBERS];
    for (let i = 0; i < 20_000; i++) {
      const int = r() < 0.2 ? '0' : `${1 + Math.floor(r() * 9)}${digits(Math.floor(r() * 18))}`;
      const frac = r() < 0.6 ? `.${digits(1 + Math.floor(r() * 18))}` : '';
      const exp = r() < 0.15 ? `e${pick(r, ['', '+', '-'])}${digits(1 + Math.floor(r() * 3))}` : '';
      samples.push(`${r() < 0.3 ? '-' : ''}${int}${frac}${exp}`);
    }
    for (const s of samples) expect(Object.is(numberAt(Buffer.from(`[${s}]`), 1, s.length + 1), JSON.parse(s)), s).toBe(true);
  });
});

describe('envelopeScanned', () => {
  for (const [name, ctx] of Object.entries(streams)) {
    it(`answers as JSON.parse and Ajv do, wherever it answers (${name})`, () => {
      let fast = 0;
      let fastValid = 0;
      let parsedValid = 0;
      for (const [i, line] of LINES.entries()) {
        const fallbackId = i % 2 === 0 ? `key:l${i}` : undefined;
        const slow = envelopeParsed(line, ctx, fallbackId ?? 'generated');
        if (slow.ok) parsedValid++;
        const quick = envelopeScanned(line, ctx, fallbackId ?? 'generated');
        if (quick === undefined) continue;
        fast++;
        expect(quick.ok).toBe(true); // it never refuses: the refusal and its error are envelopeParsed's
        expect(comparable(quick), line.toString()).toEqual(comparable(slow));
        fastValid++;
      }
      // The fast path must carry most of the valid events, or it is not one.
      expect(parsedValid).toBeGreaterThan(500);
      expect(fast).toBe(fastValid);
      expect(fast / parsedValid).toBeGreaterThan(name === 'closed' ? 0.3 : 0.5);
    });
  }

  it('takes the benchmark-shaped event and gives the bytes, index and ids envelopeParsed gives', () => {
    const line = Buffer.from('{"@timestamp":"2026-01-15T10:00:00.123Z","event.id":"e-1","level":"info","service":"auth","message":"ok","status":200,"duration_ms":1.5}');
    const quick = envelopeScanned(line, streams.logs, undefined);
    expect(quick).toEqual(envelopeParsed(line, streams.logs, undefined));
    expect(quick?.ok && quick.event.id).toBe('e-1');
    const missing = Buffer.from('{"level":"info","service":"auth","message":"ok"}');
    const stamped = envelopeScanned(missing, streams.logs, 'k:l1');
    expect(stamped?.ok && stamped.event.source.toString()).toBe('{"@timestamp":"2026-11-21T10:00:00.000Z","level":"info","service":"auth","message":"ok"}');
  });

  it('tests a pattern (compiled as Ajv compiles it: u flag) and a format (Ajv\'s own check) on the string JSON.parse gives', () => {
    const ok = Buffer.from('{"kind":"a","code":"ab1","word":"héllo","at":"2026-01-15T10:00:00Z","mail":"a@b.co"}');
    const quick = envelopeScanned(ok, streams.closed, 'k');
    expect(quick?.ok).toBe(true);
    expect(quick).toEqual(envelopeParsed(ok, streams.closed, 'k'));
    // Refused by the pattern, or escaped (then only JSON.parse can tell): left to envelopeParsed.
    for (const c of ['{"kind":"a","code":"AB1"}', '{"kind":"a","word":"p{L}"}', '{"kind":"a","code":"ab\\u0031"}', '{"kind":"a","at":"2026-02-30T10:00:00Z"}', '{"kind":"a","mail":"not mail"}']) {
      expect(envelopeScanned(Buffer.from(c), streams.closed, 'k'), c).toBeUndefined();
    }
  });

  it('checks objects in objects against their own properties, required and additionalProperties', () => {
    const ok = Buffer.from('{"http":{"method":"GET","status":200,"request":{"bytes":1.5,"id":"abc","extra":{"x":[1]}}},"user":{"name":"ann"}}');
    const quick = envelopeScanned(ok, streams.nested, 'k');
    expect(quick?.ok).toBe(true);
    expect(quick).toEqual(envelopeParsed(ok, streams.nested, 'k'));
    for (const c of [
      '{"http":{"method":"GET","request":7},"user":null}', // not objects: `properties` and `required` do not apply
      '{"http":{"method":"POST","request":{"bytes":0}},"user":{}}',
    ]) expect(envelopeScanned(Buffer.from(c), streams.nested, 'k')?.ok, c).toBe(true);
    for (const c of [
      '{"http":{"method":"PUT"}}', // a nested enum
      '{"http":{"status":200}}', // nested required
      '{"http":{"method":"GET","other":1}}', // nested additionalProperties: false
      '{"http":{"method":"GET","request":{"id":"ab"}}}', // required two levels down
      '{"http":{"method":"GET","request":{"bytes":-1}}}', // a bound two levels down
      '{"http":{"method":"GET","method":"POST"}}', // a nested duplicate
      '{"http":{"method":"G\\u0045T"}}', // a nested escaped value
      '{"http":{"method":"GET"},"user":{"name":"Ann"}}', // a nested pattern
      '{"http":{"method":"GET"},"user":{"address":{"city":"x","zip":"1"},"name":"Ann"}}', // after an object's own object
      '{"http":[]}', // the type
    ]) expect(envelopeScanned(Buffer.from(c), streams.nested, 'k'), c).toBeUndefined();
  });

  it('finds a dotted id field nested, as envelopeParsed does, unless the flat member is there', () => {
    const cases: [string, string | undefined][] = [
      ['{"event":{"kind":"x","id":"e-1"},"level":"info","service":"auth","message":"ok"}', 'e-1'],
      ['{"event":{"kind":"x"},"level":"info","service":"auth","message":"ok"}', undefined],
      ['{"event":"e-2","level":"info","service":"auth","message":"ok"}', undefined],
      ['{"event":{"id":"nested"},"event.id":"flat","level":"info","service":"auth","message":"ok"}', 'flat'],
    ];
    for (const [c, id] of cases) {
      const quick = envelopeScanned(Buffer.from(c), streams.logs, 'k');
      expect(quick, c).toEqual(envelopeParsed(Buffer.from(c), streams.logs, 'k'));
      expect(quick?.ok && quick.event.id, c).toBe(id ?? 'k');
    }
  });

  it('leaves to JSON.parse what it cannot vouch for', () => {
    const cases = [
      '{"level":"info","service":"auth","message":"ok","level":"warn"}', // a duplicate: the last wins
      '{"lev\\u0065l":"info","service":"auth","message":"ok"}', // an escaped key
      '{"level":"inf\\u006f","service":"auth","message":"ok"}', // an escaped enum value
      '{"level":"info","service":"auth","message":"ok","_id":"x"}', // metadata
      '{"level":"info","service":"auth","message":"ok","status":1e400}', // Infinity
      '{"level":"info","service":"auth","message":"ok","event":[{"id":"x"}]}', // an array on the id's path
      '{"level":"info","service":"auth","message":"ok","event":{"id":"a","id":"b"}}', // a duplicate on it
      '{"level":"info","service":"auth","message":"ok","@timestamp":"yesterday"}', // invalid: refused by envelopeParsed
      '{"level":"info","service":"auth"}', // required message missing
    ];
    for (const c of cases) expect(envelopeScanned(Buffer.from(c), streams.logs, 'k'), c).toBeUndefined();
  });
});

describe('compileScanPlan', () => {
  it('takes the flat subset and nothing else', () => {
    expect(compileScanPlan(undefined, 'event.id')).toBeDefined();
    expect(compileScanPlan(SCHEMAS.logs, 'event.id')).toBeDefined();
    expect(compileScanPlan(SCHEMAS.closed, 'event.id')).toBeUndefined(); // it has formats: without Ajv's table, no plan
    expect(streams.closed.scanPlan).toBeDefined(); // the registry gives its Ajv's formats
    expect(compileScanPlan({ properties: { a: { type: 'string', pattern: '^a' } } }, 'event.id')).toBeDefined();
    expect(compileScanPlan({ properties: { a: { type: 'object', properties: { b: { type: 'string' } } } } }, 'event.id')).toBeDefined();
    const deep = (levels: number): unknown => (levels === 0 ? { type: 'string' } : { properties: { a: deep(levels - 1) } });
    expect(compileScanPlan(deep(9), 'event.id')).toBeDefined(); // the event and 8 objects in it
    expect(compileScanPlan(deep(10), 'event.id')).toBeUndefined();
    // Formats only with the stream's own (Ajv's) format table, and only string formats it knows.
    const formats = { email: /@/, uri: () => true, 'date-time': { validate: () => true }, anything: true, int32: { type: 'number', validate: () => true }, later: { async: true, validate: async () => true } };
    for (const name of ['email', 'uri', 'date-time', 'anything']) expect(compileScanPlan({ properties: { a: { format: name } } }, 'event.id', formats), name).toBeDefined();
    for (const name of ['int32', 'later', 'unknown', 'toString']) expect(compileScanPlan({ properties: { a: { format: name } } }, 'event.id', formats), name).toBeUndefined();
    for (const schema of [
      { properties: { a: { type: 'string', pattern: '(' } } }, // not a regular expression (Ajv refuses the schema)
      { properties: { a: { type: 'string', pattern: { $data: '1/b' } } } },
      { properties: { a: { type: 'string', format: 'email' } } },
      { properties: { a: { properties: { b: { $ref: '#/definitions/x' } } } } },
      { properties: { a: { additionalProperties: { type: 'string' } } } },
      { properties: { a: { required: 'b' } } },
      { properties: { a: { properties: { valueOf: {} } } } },
      { properties: { a: { type: 'array', items: { type: 'string' } } } },
      { properties: { a: { $ref: '#/definitions/x' } } },
      { properties: { a: { type: 'number', multipleOf: 2 } } },
      { properties: { a: { anyOf: [{ type: 'string' }] } } },
      { properties: { a: { maxLenght: 3 } } }, // unknown keyword: Ajv ignores it, the plan does not guess
      { properties: { a: { enum: [{ b: 1 }] } } },
      { properties: { toString: { type: 'string' } } }, // Ajv's code would find Object.prototype's
      { required: ['constructor'] },
      { additionalProperties: { type: 'string' } },
      { type: 'array' },
      { patternProperties: { '^a': {} } },
      { minProperties: 1 },
      false,
    ]) expect(compileScanPlan(schema, 'event.id'), JSON.stringify(schema)).toBeUndefined();
    expect(compileScanPlan(undefined, 'constructor')).toBeUndefined();
  });
});
