import { describe, expect, it } from 'vitest';
import { forEachJsonValue, JsonStructureError, JsonValueTooLargeError } from '../../src/ingest/json-array-framer.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { BodyError } from '../../src/ingest/body-decoder.ts';
import { frameJsonBytes } from '../../src/ingest/frame-request.ts';
import { createStreamRegistry } from '../../src/ingest/stream-context.ts';
import { newBlock, sourceAt } from '../../src/model/event-block.ts';

function values(text: string, max = 1 << 20): [string, boolean][] {
  const body = Buffer.from(text);
  const out: [string, boolean][] = [];
  forEachJsonValue(body, max, (start, end, element, multiline) => {
    expect(element).toBe(out.length);
    out.push([body.subarray(start, end).toString(), multiline]);
  });
  return out;
}

describe('forEachJsonValue', () => {
  it('finds every element of an array, whatever its strings hold', () => {
    const tricky = JSON.stringify({ a: ']}\\"},[{', b: '\\' }); // brackets, escaped quotes and backslashes inside strings
    expect(values(`[${tricky}, [1,[2]] ,"x\\"y" , 3.50,null,\n{\n "b": {"c": [true]}\n}\n]  `)).toEqual([
      [tricky, false],
      ['[1,[2]]', false],
      ['"x\\"y"', false],
      ['3.50', false],
      ['null', false],
      ['{\n "b": {"c": [true]}\n}', true],
    ]);
    expect(values(' [ ] ')).toEqual([]);
    expect(values('\n{"one": 1}\n')).toEqual([['{"one": 1}', false]]);
  });

  it('gives back the elements of any array JSON.stringify writes, with any spacing', () => {
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const leaf = () => [1.5, -2, 'q"uo\\te]}', '✓ü', null, true, '', '\\'][rand(8)];
    const value = (depth: number): unknown => depth === 0 || rand(3) === 0 ? leaf() : rand(2) === 0
      ? Array.from({ length: rand(4) }, () => value(depth - 1))
      : Object.fromEntries(Array.from({ length: rand(4) }, (_, k) => [`k${k}"[`, value(depth - 1)]));
    for (let round = 0; round < 200; round++) {
      const elements = Array.from({ length: rand(6) }, () => value(3));
      const text = JSON.stringify(elements, null, rand(2) === 0 ? undefined : rand(4));
      expect(values(text).map(([v]) => JSON.parse(v))).toEqual(elements);
    }
  });

  it('refuses broken structure', () => {
    for (const bad of ['', '   ', '[{"a":1},', '[1,]', '[1 2]', '[1] x', '["open', '[{"a":[1]', '[,1]']) {
      expect(() => values(bad), bad).toThrow(JsonStructureError);
    }
  });

  it('refuses an element over the limit before handing it out', () => {
    const seen: number[] = [];
    const body = Buffer.from(`[{"a":1},{"b":"${'x'.repeat(100)}"},{"c":3}]`);
    try {
      forEachJsonValue(body, 50, (_s, _e, element) => seen.push(element));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(JsonValueTooLargeError);
      expect((err as JsonValueTooLargeError).element).toBe(1);
    }
    expect(seen).toEqual([0]);
    expect(() => values(`{"a":"${'x'.repeat(100)}"}`, 50)).toThrow(JsonValueTooLargeError);
  });
});

describe('JSON bodies framed element by element', () => {
  const limits = { maxDecompressedBytes: 1 << 20, maxLineBytes: 200, maxEventsPerRequest: 1000, maxReportedErrors: 5 };
  const ctx = createStreamRegistry(loadConfig({ GATEWAY_INDEX_PATTERN: 'ev-{stream}' }), () => Date.UTC(2026, 10, 21, 12)).get('app')!;
  const meta = { stream: 'app', acceptedAt: 0, kind: 'event' } as const;

  it('keeps one-line elements byte for byte and puts a multi-line one on one line', () => {
    const framed = frameJsonBytes(Buffer.from('[{"@timestamp":1,"n":1.50,"s":"\\u00fc"},\n  {\n    "@timestamp": 2,\n    "n": 2\n  },{"n":3}]'), ctx, limits);
    expect(framed.accepted).toBe(3);
    const block = newBlock(framed.parts[0]!, meta);
    expect(sourceAt(block, 0).toString()).toBe('{"@timestamp":1,"n":1.50,"s":"\\u00fc"}');
    expect(sourceAt(block, 1).toString()).toBe('{"@timestamp":2,"n":2}');
    expect(sourceAt(block, 2).toString()).toBe('{"@timestamp":"2026-11-21T12:00:00.000Z","n":3}');
  });

  it('rejects an element that is not UTF-8 and answers 400 or 413 for the body', () => {
    const bad = Buffer.concat([Buffer.from('[{"a":"'), Buffer.from([0xff]), Buffer.from('"},{"@timestamp":1}]')]);
    expect(frameJsonBytes(bad, ctx, limits)).toMatchObject({ accepted: 1, rejected: 1, errors: [{ element: 0, code: 'invalid_utf8' }] });
    const status = (text: string) => {
      try {
        frameJsonBytes(Buffer.from(text), ctx, limits);
        return 0;
      } catch (err) {
        return (err as BodyError).status;
      }
    };
    expect(status('[{"a":1},{"a":tru}]')).toBe(400);
    expect(status('[{"a":1},')).toBe(400);
    expect(status(`[{"a":1},{"a":"${'x'.repeat(300)}"}]`)).toBe(413);
  });
});
