import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ucs2length, useFastStringLength } from '../../src/ingest/string-length-keywords.ts';

const ASTRAL = '😀'; // one code point, two UTF-16 units
const HIGH = '\ud83d'; // a lone high surrogate
const LOW = '\ude00'; // a lone low surrogate

// Strings whose UTF-16 length and code-point count differ by 0 up to their whole length.
const STRINGS = [
  '', 'a', 'ab', 'abc', 'abcd', 'abcdefgh', 'é', 'éé', 'ünïcødé', '日本語',
  ASTRAL, ASTRAL + ASTRAL, ASTRAL.repeat(3), ASTRAL.repeat(4), `a${ASTRAL}`, `${ASTRAL}ab`, `ab${ASTRAL}${ASTRAL}cd`,
  HIGH, LOW, `${HIGH}a`, `a${HIGH}`, `${LOW}${HIGH}`, `${HIGH}${HIGH}${LOW}`, `${ASTRAL}${HIGH}`,
];

function pair(schema: object, opts: { $data?: boolean } = {}) {
  const stock = new Ajv({ allErrors: false, strict: false, ...opts }).compile(schema);
  const fast = useFastStringLength(new Ajv({ allErrors: false, strict: false, ...opts })).compile(schema);
  return { stock, fast };
}

describe('maxLength / minLength decided by .length where it can be', () => {
  it('counts code points as JSON Schema does (a surrogate pair once, a lone surrogate once)', () => {
    expect(ucs2length('')).toBe(0);
    expect(ucs2length('abc')).toBe(3);
    expect(ucs2length(ASTRAL.repeat(3))).toBe(3);
    expect(ucs2length(`a${ASTRAL}b`)).toBe(3);
    expect(ucs2length(`${HIGH}${HIGH}${LOW}`)).toBe(2);
    expect(ucs2length(`${LOW}${HIGH}`)).toBe(2);
  });

  it('replaces Ajv\'s keywords: the compiled check looks at .length before counting', () => {
    const { stock, fast } = pair({ type: 'string', maxLength: 5, minLength: 2 });
    expect(String(fast)).toContain('data.length > 5 && ');
    expect(String(fast)).toContain('data.length < 2 || (data.length < 2 * 2 && ');
    expect(String(stock)).not.toContain('data.length > 5');
  });

  it('gives the same verdict and the same error as Ajv\'s own keywords for every string and limit', () => {
    let checked = 0;
    let failures = 0;
    for (const keyword of ['maxLength', 'minLength'] as const) {
      for (let limit = 0; limit <= 9; limit++) {
        const { stock, fast } = pair({ type: 'object', properties: { s: { type: 'string', [keyword]: limit } } });
        for (const s of STRINGS) {
          const expected = stock({ s });
          expect(fast({ s }), `${keyword} ${limit} ${JSON.stringify(s)}`).toBe(expected);
          expect(fast.errors ?? null).toEqual(stock.errors ?? null);
          checked++;
          if (!expected) failures++;
        }
      }
    }
    // Both verdicts occur: the comparison is not between two validators that always pass.
    expect(checked).toBe(2 * 10 * STRINGS.length);
    expect(failures).toBeGreaterThan(50);
    expect(checked - failures).toBeGreaterThan(50);
  });

  it('takes limits from the data ($data) as Ajv does', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' }, s: { type: 'string', maxLength: { $data: '1/n' }, minLength: { $data: '1/m' } }, m: { type: 'integer' } } };
    const { stock, fast } = pair(schema, { $data: true });
    for (const s of STRINGS) {
      for (const [n, m] of [[2, 1], [3, 0], [0, 0], [5, 4]]) {
        expect(fast({ s, n, m }), `${JSON.stringify(s)} n=${n} m=${m}`).toBe(stock({ s, n, m }));
        expect(fast.errors ?? null).toEqual(stock.errors ?? null);
      }
    }
    // A $data limit that is not a number fails the same way in both.
    expect(fast({ s: 'abc', n: 'x', m: 0 })).toBe(stock({ s: 'abc', n: 'x', m: 0 }));
    expect(fast.errors).toEqual(stock.errors);
  });
});
