import { describe, expect, it } from 'vitest';
import { checkIndexPattern, indexPatternGlob } from '../../src/model/index-pattern.ts';
import { compileRouter } from '../../src/ingest/routing.ts';

const t = Date.parse('2026-03-07T22:15:00Z');

describe('routing', () => {
  it('fills stream and UTC date tokens', () => {
    expect(compileRouter('events-{stream}-{yyyy.MM.dd}', 'web')(t)).toBe('events-web-2026.03.07');
    expect(compileRouter('{stream}-{yyyy}-{MM}-{HH}', 'a')(t)).toBe('a-2026-03-22');
    expect(compileRouter('{stream}-{yyyy.MM}', 'a')(Date.parse('2026-12-31T23:59:59.999Z'))).toBe('a-2026.12');
  });

  it('moves to the next day at UTC midnight, even with the hour cache', () => {
    const route = compileRouter('e-{stream}-{yyyy.MM.dd}', 's');
    expect(route(Date.parse('2026-01-01T23:59:59Z'))).toBe('e-s-2026.01.01');
    expect(route(Date.parse('2026-01-02T00:00:00Z'))).toBe('e-s-2026.01.02');
  });

  it('returns a fixed name when there are no date tokens', () => {
    expect(compileRouter('fixed-{stream}', 'x')(t)).toBe('fixed-x');
  });

  it('turns patterns into template globs', () => {
    expect(indexPatternGlob('events-{stream}-{yyyy.MM.dd}', 'web')).toBe('events-web-*');
    expect(indexPatternGlob('events-{stream}-{yyyy.MM.dd}', '*')).toBe('events-*-*');
  });

  it('rejects patterns that make invalid index names', () => {
    expect(checkIndexPattern('events-{stream}-{yyyy.MM.dd}')).toBeUndefined();
    expect(checkIndexPattern('Events-{stream}')).toMatch(/invalid index name/);
    expect(checkIndexPattern('_x-{stream}')).toMatch(/must not start/);
    expect(checkIndexPattern('x-{stream}-{bogus}')).toMatch(/unknown \{token\}/);
    expect(checkIndexPattern('a b-{stream}')).toMatch(/invalid/);
  });
});
