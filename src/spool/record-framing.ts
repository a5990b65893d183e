// Record framing in segment files (pure, no I/O): [u32 length][u32 checksum][payload], little-endian.
//
// The checksum is CRC-32 (zlib.crc32, the IEEE polynomial) over the payload. For what a spool
// has to catch — torn writes (a record cut short or padded with zeros by a crash) and corrupt
// bytes — it is as strong as CRC-32C: both are 32-bit CRCs, so both detect every error burst of
// up to 32 bits and let through random damage with probability 2^-32. CRC-32C's edge is speed
// where CPUs have an instruction for it and a slightly better Hamming distance for a few
// isolated bit flips, which matters on network links, not for torn sectors. We chose CRC-32
// because Node 24 ships it natively in zlib (fast, no native add-on, no dependency).
import { crc32 } from 'node:zlib';
import { SPOOL_EVENT_HEADER_BYTES } from './spool-event.ts';

export const RECORD_HEADER_BYTES = 8;
/** The smallest payload a record may carry: an event header. Also refuses zero-filled tails. */
export const MIN_RECORD_PAYLOAD_BYTES = SPOOL_EVENT_HEADER_BYTES;
/** Larger lengths are absurd (a corrupt header): far above any event the gateway accepts. */
export const MAX_RECORD_PAYLOAD_BYTES = 64 * 1024 * 1024;

export function checksum(payload: Uint8Array): number {
  return crc32(payload);
}

export class RecordTooLargeError extends Error {
  override readonly name = 'RecordTooLargeError';
}

/**
 * Frames payloads into one buffer of consecutive records, ready for a single write: payload i
 * has `sizes[i]` bytes and is written in place by `write(i, out, at)` (no buffer per payload).
 */
export function frameRecordsWith(sizes: Uint32Array, write: (i: number, out: Buffer, at: number) => void): Buffer {
  let total = 0;
  for (const size of sizes) {
    if (size > MAX_RECORD_PAYLOAD_BYTES) throw new RecordTooLargeError(`a spool record holds at most ${MAX_RECORD_PAYLOAD_BYTES} bytes (got ${size})`);
    total += RECORD_HEADER_BYTES + size;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i] as number;
    const start = at + RECORD_HEADER_BYTES;
    write(i, out, start);
    out.writeUInt32LE(size, at);
    out.writeUInt32LE(checksum(out.subarray(start, start + size)), at + 4);
    at = start + size;
  }
  return out;
}

/** Frames payload buffers into one buffer of consecutive records. */
export function frameRecords(payloads: readonly Buffer[]): Buffer {
  return frameRecordsWith(Uint32Array.from(payloads, (p) => p.length), (i, out, at) => out.set(payloads[i] as Buffer, at));
}

export type ParsedRecord =
  /** A whole, verified record: its payload (a view into the buffer) and where the next one starts. */
  | { kind: 'record'; payload: Buffer; end: number }
  /** The buffer ends inside this record: `needBytes` from its start are needed to read it. */
  | { kind: 'incomplete'; needBytes: number }
  | { kind: 'corrupt'; reason: string };

/** Reads the record framed at `offset` of `buf`, verifying its length and checksum. */
export function parseRecordAt(buf: Buffer, offset: number): ParsedRecord {
  const available = buf.length - offset;
  if (available < RECORD_HEADER_BYTES) return { kind: 'incomplete', needBytes: RECORD_HEADER_BYTES };
  const length = buf.readUInt32LE(offset);
  if (length < MIN_RECORD_PAYLOAD_BYTES || length > MAX_RECORD_PAYLOAD_BYTES) {
    return { kind: 'corrupt', reason: `absurd record length ${length}` };
  }
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > buf.length) return { kind: 'incomplete', needBytes: RECORD_HEADER_BYTES + length };
  const payload = buf.subarray(offset + RECORD_HEADER_BYTES, end);
  const expected = buf.readUInt32LE(offset + 4);
  const actual = checksum(payload);
  if (actual !== expected) {
    return { kind: 'corrupt', reason: `checksum mismatch (stored ${hex(expected)}, computed ${hex(actual)})` };
  }
  return { kind: 'record', payload, end };
}

export function isAllZero(buf: Uint8Array): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
