// A bulk request body: whole ranges of events' bulk lines (src/model/bulk-lines.ts), written
// from where they lie. Pure.
import type { BulkRange } from '../model/bulk-lines.ts';

/**
 * A bulk request body as it goes on the wire: buffers written one after the other (one writev).
 * Most are views of the events' own bulk lines, not copies.
 */
export type BulkBody = readonly Buffer[];

/** Ranges under this many bytes are copied together into one buffer rather than written alone. */
const MIN_VIEW_BYTES = 32 * 1024;

/** Bytes of a bulk body. */
export function bulkBodyBytes(body: BulkBody): number {
  let size = 0;
  for (const b of body) size += b.length;
  return size;
}

/**
 * A bulk request body: the ranges' lines, in order. A large range is written from where it lies
 * (a view, no copy); runs of small ones are copied into one buffer, so a batch of many small
 * requests' events is not thousands of writes. Copying every byte into one buffer cost the main
 * thread ~5% of its time in scenario 2, and the copies' memory made V8 mark-compact more often
 * (bench/README.md, "Per-event costs around JSON.parse, and bulk bodies without a copy").
 */
export function buildBulkBody(ranges: readonly BulkRange[]): BulkBody {
  const out: Buffer[] = [];
  let small: { bulk: Uint8Array; start: number; end: number }[] = [];
  let smallBytes = 0;
  const flushSmall = () => {
    if (small.length === 0) return;
    const joined = Buffer.allocUnsafe(smallBytes);
    let at = 0;
    for (const r of small) {
      joined.set(r.bulk.subarray(r.start, r.end), at);
      at += r.end - r.start;
    }
    out.push(joined);
    small = [];
    smallBytes = 0;
  };
  for (const r of ranges) {
    const { bulk, lineStarts } = r.lines;
    const start = lineStarts[r.from] as number;
    const end = lineStarts[r.to] as number;
    if (end === start) continue;
    if (end - start < MIN_VIEW_BYTES) {
      small.push({ bulk, start, end });
      smallBytes += end - start;
      continue;
    }
    flushSmall();
    out.push(Buffer.from(bulk.buffer, bulk.byteOffset + start, end - start));
  }
  flushSmall();
  return out;
}
