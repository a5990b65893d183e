// The event limits (depth, fields, string length): the scanner measures them as it scans, the
// JSON.parse path measures them first, and both refuse the same events with the same codes —
// the huge ones (100,000 levels, 100,000 fields) without building them.
import { describe, expect, it } from 'vitest';
import { envelopeLine, envelopeParsed, envelopeScanned } from '../../src/ingest/envelope.ts';
import { measureShape } from '../../src/ingest/event-shape.ts';
import { createStreamRegistry } from '../../src/ingest/stream-context.ts';

const LIMITS = { maxEventDepth: 4, maxEventFields: 6, maxStringBytes: 10 };
const ctx = createStreamRegistry({ streams: new Map(), idField: 'event.id', defaultIndexPattern: 'events-{stream}', unknownStreams: 'accept', limits: LIMITS }).get('logs');
if (ctx === undefined) throw new Error('no context');

const CASES: [string, string | undefined][] = [
  ['{"a":{"b":{"c":[1]}}}', undefined], // depth 4
  ['{"a":{"b":{"c":[[1]]}}}', 'too_deep'],
  ['{"a":[{"b":[{"c":1}]}]}', 'too_deep'],
  ['{"a":1,"b":2,"c":3,"d":{"e":4,"f":5}}', undefined], // 6 members
  ['{"a":1,"b":2,"c":3,"d":{"e":4,"f":5,"g":6}}', 'too_many_fields'],
  ['{"a":[{"x":1},{"x":2},{"x":3},{"x":4},{"x":5},{"x":6}]}', 'too_many_fields'],
  ['{"s":"0123456789"}', undefined],
  ['{"s":"01234567890"}', 'string_too_long'],
  ['{"0123456789X":1}', 'string_too_long'],
  ['{"s":"\\u00e9\\u00e9\\u00e9"}', 'string_too_long'], // 18 bytes as written
  ['{"s":"a\\"b"}', undefined],
];

describe('event limits', () => {
  it.each(CASES)('%s → %s, on the scanned and the parsed path alike', (line, code) => {
    const bytes = Buffer.from(line);
    const parsed = envelopeParsed(bytes, ctx, 'id');
    const scanned = envelopeScanned(bytes, ctx, 'id');
    expect(parsed.ok ? undefined : parsed.code).toBe(code);
    expect(scanned === undefined || scanned.ok ? undefined : scanned.code).toBe(code);
    // A multi-line element (never scanned) is measured as well.
    const spread = envelopeLine(Buffer.from(line.replaceAll(',', ',\n')), ctx, 'id', false);
    expect(spread.ok ? undefined : spread.code).toBe(code);
  });

  it('refuses a 100,000-deep and a 100,000-field event with the default limits, without parsing them', () => {
    const defaults = createStreamRegistry({ streams: new Map(), idField: 'event.id', defaultIndexPattern: 'events-{stream}', unknownStreams: 'accept' }).get('logs');
    if (defaults === undefined) throw new Error('no context');
    const deep = Buffer.from(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    const wide = Buffer.from(`{${Array.from({ length: 100_000 }, (_, i) => `"f${i}":${i}`).join(',')}}`);
    const long = Buffer.from(`{"s":"${'x'.repeat(300_000)}"}`);
    expect(envelopeLine(deep, defaults, 'id')).toMatchObject({ ok: false, code: 'too_deep', detail: expect.stringContaining('32 levels') });
    expect(envelopeLine(wide, defaults, 'id')).toMatchObject({ ok: false, code: 'too_many_fields', detail: expect.stringContaining('10000 fields') });
    expect(envelopeLine(long, defaults, 'id')).toMatchObject({ ok: false, code: 'string_too_long', detail: expect.stringContaining('262144 bytes') });
    // A deep array nest: not an object, but measured (and refused) before JSON.parse sees it.
    expect(measureShape(Buffer.from('['.repeat(100_000)), defaults.limits)?.code).toBe('too_deep');
  });
});
