import { describe, expect, it } from 'vitest';
import { ByteChunks } from '../../src/ingest/byte-chunks.ts';
import { splitAtNewlines } from '../../src/ingest/ndjson-framer.ts';

describe('ByteChunks (a body read as one sequence without joining its chunks)', () => {
  const text = Array.from({ length: 200 }, (_, i) => `{"n":${i},"s":"${'é'.repeat(i % 7)}"}`).join('\n');
  const whole = Buffer.from(text);
  const cutAt = (sizes: number[]) => {
    const chunks: Buffer[] = [];
    let at = 0;
    for (const n of sizes) {
      chunks.push(whole.subarray(at, Math.min(whole.length, at + n)));
      at += n;
    }
    if (at < whole.length) chunks.push(whole.subarray(at));
    return new ByteChunks(chunks);
  };

  it('finds bytes and copies ranges across chunk boundaries exactly as one buffer would', () => {
    for (const sizes of [[whole.length], [1, 1, 1, 5, 100], [333, 333, 7], Array.from({ length: 400 }, () => 17)]) {
      const b = cutAt(sizes);
      expect(b.length).toBe(whole.length);
      for (const from of [0, 1, 16, 17, 18, 500, whole.length - 1, whole.length]) {
        expect(b.indexOf(0x0a, from)).toBe(whole.indexOf(0x0a, from));
      }
      expect(b.indexOf(0x7e, 0)).toBe(-1);
      for (const [s, e] of [[0, whole.length], [3, 40], [17, 18], [100, 1000], [5, 5]]) {
        expect(b.count(0x0a, s as number, e as number)).toBe(whole.subarray(s, e).filter((c) => c === 0x0a).length);
      }
      for (const [s, e] of [[0, whole.length], [5, 6], [16, 35], [1000, 2000], [7, 7]]) {
        expect(Buffer.from(b.copy(s as number, e as number)).equals(whole.subarray(s, e))).toBe(true);
      }
    }
  });

  it('splits into the same parts as the joined body', () => {
    const b = cutAt([100, 3, 900, 50]);
    expect(splitAtNewlines(b, 3)).toEqual(splitAtNewlines(new ByteChunks([whole]), 3));
  });

  it('handles an empty body', () => {
    const b = new ByteChunks([]);
    expect(b.length).toBe(0);
    expect(b.indexOf(0x0a, 0)).toBe(-1);
    expect(b.copy(0, 0).length).toBe(0);
  });
});
