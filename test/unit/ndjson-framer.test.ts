import { describe, expect, it } from 'vitest';
import { ByteChunks } from '../../src/ingest/byte-chunks.ts';
import { LineTooLargeError, NdjsonFramer, splitAtNewlines } from '../../src/ingest/ndjson-framer.ts';

function frame(chunks: (string | Buffer)[], maxLineBytes = 1024): [string, number][] {
  const out: [string, number][] = [];
  const f = new NdjsonFramer(maxLineBytes, (line, n) => out.push([line.toString('utf8'), n]));
  for (const c of chunks) f.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  f.end();
  return out;
}

/** Every way of cutting `text` into two chunks, and into one-byte chunks. */
function allSplits(text: string): Buffer[][] {
  const bytes = Buffer.from(text);
  const splits: Buffer[][] = [];
  for (let i = 0; i <= bytes.length; i++) splits.push([bytes.subarray(0, i), bytes.subarray(i)]);
  splits.push([...bytes].map((b) => Buffer.from([b])));
  return splits;
}

describe('NdjsonFramer', () => {
  it('yields each line with its 1-based number', () => {
    expect(frame(['{"a":1}\n{"b":2}\n'])).toEqual([['{"a":1}', 1], ['{"b":2}', 2]]);
  });

  it('gives the same lines however the bytes are chunked, including inside multi-byte characters', () => {
    const text = '{"msg":"héllo wörld 日本 🎉"}\r\n\n{"b":"ünï"}\n   \n{"c":3}';
    const expected = [['{"msg":"héllo wörld 日本 🎉"}', 1], ['{"b":"ünï"}', 3], ['{"c":3}', 5]];
    for (const chunks of allSplits(text)) expect(frame(chunks)).toEqual(expected);
  });

  it('strips CR of CRLF endings', () => {
    expect(frame(['{"a":1}\r\n{"a":2}\r\n'])).toEqual([['{"a":1}', 1], ['{"a":2}', 2]]);
  });

  it('skips blank and whitespace-only lines but counts them', () => {
    expect(frame(['\n\n{"a":1}\n \t \n\r\n{"a":2}\n\n'])).toEqual([['{"a":1}', 3], ['{"a":2}', 6]]);
  });

  it('emits a last line without a newline at end()', () => {
    expect(frame(['{"a":1}\n{"a"', ':2}'])).toEqual([['{"a":1}', 1], ['{"a":2}', 2]]);
  });

  it('yields nothing for an empty body', () => {
    expect(frame([])).toEqual([]);
    expect(frame(['', '\n'])).toEqual([]);
  });

  it('accepts a line of exactly the limit, with or without CR', () => {
    const line = 'x'.repeat(10);
    expect(frame([`${line}\n`], 10)).toEqual([[line, 1]]);
    expect(frame([`${line}\r\n`], 10)).toEqual([[line, 1]]);
  });

  it('fails on a line over the limit, naming its number, before it is complete', () => {
    const f = new NdjsonFramer(10, () => {});
    f.push(Buffer.from('{"a":1}\n'));
    let caught: unknown;
    try {
      f.push(Buffer.from('x'.repeat(6)));
      f.push(Buffer.from('x'.repeat(6))); // no newline yet: must fail on size alone
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LineTooLargeError);
    expect((caught as LineTooLargeError).line).toBe(2);
  });

  it('fails on an oversized last line without newline', () => {
    expect(() => frame(['x'.repeat(12)], 10)).toThrow(LineTooLargeError);
  });
});

describe('splitAtNewlines (an NDJSON body cut for parallel framing)', () => {
  const check = (text: string, parts: number) => {
    const body = Buffer.from(text);
    const pieces = splitAtNewlines(new ByteChunks([body]), parts);
    expect(pieces.length).toBeGreaterThanOrEqual(1);
    expect(pieces.length).toBeLessThanOrEqual(Math.max(1, parts));
    expect(Buffer.concat(pieces.map((p) => body.subarray(p.start, p.end))).equals(body)).toBe(true);
    pieces.forEach((p, i) => {
      expect(p.end).toBeGreaterThan(p.start - (body.length === 0 ? 1 : 0));
      if (i < pieces.length - 1) expect(body[p.end - 1]).toBe(0x0a);
      expect(p.firstLine).toBe(1 + body.subarray(0, p.start).toString().split('\n').length - 1);
    });
    return pieces;
  };

  it('cuts after newlines into about equal parts, each knowing its first line number', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `{"n":${i}}`).join('\n');
    const pieces = check(`${lines}\n`, 4);
    expect(pieces).toHaveLength(4);
    expect(pieces.map((p) => p.firstLine)).toEqual([1, 27, 52, 77]); // each cut after the line holding the quarter mark
    check(lines, 3);
    check(`${lines}\r\n\r\n  \n`, 7);
  });

  it('cuts in the proportions of weights (the framing workers\' shares and the main thread\'s)', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `{"n":${String(i).padStart(2, '0')}}`).join('\n'); // 9 bytes a line with its newline
    const pieces = check(`${lines}\n`, 4);
    expect(splitAtNewlines(new ByteChunks([Buffer.from(`${lines}\n`)]), [3, 1]).map((p) => p.firstLine)).toEqual([1, 77]); // each cut after the line holding the mark
    expect(splitAtNewlines(new ByteChunks([Buffer.from(`${lines}\n`)]), [3, 3, 1]).map((p) => p.firstLine)).toEqual([1, 44, 87]);
    expect(splitAtNewlines(new ByteChunks([Buffer.from(`${lines}\n`)]), [1, 1, 1, 1])).toEqual(pieces);
  });

  it('gives fewer parts when there are fewer lines, and one part for one line or an empty body', () => {
    expect(check('{"a":1}\n{"b":2}\n', 8).length).toBeLessThanOrEqual(2);
    expect(check('{"a":1}', 4)).toEqual([{ start: 0, end: 7, firstLine: 1 }]);
    expect(check('', 2)).toEqual([{ start: 0, end: 0, firstLine: 1 }]);
    expect(check('\n\n\n\n', 2).map((p) => p.firstLine)).toEqual([1, 4]);
  });
});
