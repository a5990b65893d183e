// A request body as the chunks it arrived in, read as one byte sequence without joining them:
// searching it, and copying a range out into a buffer of its own (transferable to a worker).
// Lets a body be cut into parts with each byte copied once.

export class ByteChunks {
  readonly length: number;
  private readonly chunks: readonly Buffer[];
  /** starts[i] = offset of chunks[i] in the whole. */
  private readonly starts: number[];

  constructor(chunks: readonly Buffer[]) {
    this.chunks = chunks;
    this.starts = [];
    let at = 0;
    for (const c of chunks) {
      this.starts.push(at);
      at += c.length;
    }
    this.length = at;
  }

  /** Offset of the first `byte` at or after `from`, or -1. */
  indexOf(byte: number, from: number): number {
    for (let i = this.chunkAt(from); i < this.chunks.length; i++) {
      const start = this.starts[i] as number;
      const found = (this.chunks[i] as Buffer).indexOf(byte, Math.max(0, from - start));
      if (found !== -1) return start + found;
    }
    return -1;
  }

  /** How many `byte`s there are in [start, end): one native search per hit, chunk by chunk. */
  count(byte: number, start: number, end: number): number {
    let n = 0;
    for (let i = this.chunkAt(start); i < this.chunks.length && (this.starts[i] as number) < end; i++) {
      const chunk = this.chunks[i] as Buffer;
      const base = this.starts[i] as number;
      const to = Math.min(chunk.length, end - base);
      for (let at = chunk.indexOf(byte, Math.max(0, start - base)); at !== -1 && at < to; at = chunk.indexOf(byte, at + 1)) n++;
    }
    return n;
  }

  /** Bytes [start, end) copied into a new buffer of their own (not zero-filled first: all of it is written). */
  copy(start: number, end: number): Uint8Array<ArrayBuffer> {
    const out = Buffer.allocUnsafeSlow(end - start);
    let written = 0;
    for (let i = this.chunkAt(start); i < this.chunks.length && start + written < end; i++) {
      const chunk = this.chunks[i] as Buffer;
      const from = start + written - (this.starts[i] as number);
      const take = Math.min(chunk.length - from, end - start - written);
      out.set(chunk.subarray(from, from + take), written);
      written += take;
    }
    return out;
  }

  /** Index of the chunk holding offset `at` (binary search). */
  private chunkAt(at: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.starts[mid] as number) <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
