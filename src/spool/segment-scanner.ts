// Reads a segment from an offset to its end, verifying every record, without changing
// anything: recovery (which then acts on the result) and `spool inspect` both use it.
import type { FileHandle } from 'node:fs/promises';
import { isAllZero, parseRecordAt } from './record-framing.ts';
import type { LogPosition } from './segment-files.ts';
import { checkSpoolPayload, spoolPayloadEvents } from './block-record.ts';
import { spoolEventAcceptedAt } from './spool-event.ts';

const SCAN_CHUNK_BYTES = 4 * 1024 * 1024;

/** How a segment ends after its last valid record. */
export type SegmentTail =
  | { kind: 'clean' }
  /** The last segment ends inside a record, or any segment ends in zeros: a write cut short
   * by a crash. */
  | { kind: 'torn'; offset: number; bytes: number }
  /** A record fails its checksum, has an absurd length or is not an event; or an earlier
   * segment ends inside a record. Everything from `offset` on is suspect. */
  | { kind: 'corrupt'; offset: number; bytes: number; reason: string };

export interface SegmentScan {
  readonly seq: number;
  /** File size in bytes. */
  readonly size: number;
  /** Where the scan started (the cursor in the cursor's segment, else 0). */
  readonly from: number;
  /** Events in the valid records from `from` to `validEnd` (a block record holds many). */
  readonly events: number;
  readonly validEnd: number;
  readonly tail: SegmentTail;
  readonly firstAcceptedAt: number | undefined;
  readonly lastAcceptedAt: number | undefined;
}

/** Where to start reading segment `seq` given the durable cursor; undefined: wholly consumed. */
export function scanStart(seq: number, cursor: LogPosition | undefined, size: number): number | undefined {
  if (cursor === undefined || seq > cursor.seq) return 0;
  if (seq < cursor.seq) return undefined;
  return Math.min(cursor.offset, size);
}

/** Reads exactly `length` bytes at `position` (fewer only at the end of the file). */
export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buf, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buf : buf.subarray(0, filled);
}

export async function scanSegment(fh: FileHandle, seq: number, from: number, isLast: boolean): Promise<SegmentScan> {
  const size = (await fh.stat()).size;
  let buf: Buffer = Buffer.alloc(0);
  let bufStart = from;
  let pos = from;
  let events = 0;
  let firstAcceptedAt: number | undefined;
  let lastAcceptedAt: number | undefined;
  let tail: SegmentTail = { kind: 'clean' };
  while (pos < size) {
    const r = parseRecordAt(buf, pos - bufStart);
    if (r.kind === 'incomplete') {
      if (pos + r.needBytes > size) {
        tail = await badTail(fh, pos, size, isLast ? undefined : 'segment ends inside a record');
        break;
      }
      buf = await readAt(fh, pos, Math.min(size - pos, Math.max(SCAN_CHUNK_BYTES, r.needBytes)));
      bufStart = pos;
      continue;
    }
    const problem = r.kind === 'corrupt' ? r.reason : checkSpoolPayload(r.payload);
    if (problem !== undefined || r.kind === 'corrupt') {
      tail = await badTail(fh, pos, size, problem ?? 'corrupt record');
      break;
    }
    const acceptedAt = spoolEventAcceptedAt(r.payload);
    firstAcceptedAt ??= acceptedAt;
    lastAcceptedAt = acceptedAt;
    events += spoolPayloadEvents(r.payload);
    pos = bufStart + r.end;
  }
  return { seq, size, from, events, validEnd: pos, tail, firstAcceptedAt, lastAcceptedAt };
}

/** Torn when `corruptReason` is undefined or when only zeros follow (a tail the file system
 * padded after a crash: nothing there to inspect), else corrupt. */
async function badTail(fh: FileHandle, offset: number, size: number, corruptReason: string | undefined): Promise<SegmentTail> {
  const bytes = size - offset;
  if (corruptReason === undefined || (await zerosFrom(fh, offset, size))) return { kind: 'torn', offset, bytes };
  return { kind: 'corrupt', offset, bytes, reason: corruptReason };
}

/** Whether every byte from `from` to `size` is zero (a tail the file system padded). */
async function zerosFrom(fh: FileHandle, from: number, size: number): Promise<boolean> {
  for (let at = from; at < size; at += SCAN_CHUNK_BYTES) {
    if (!isAllZero(await readAt(fh, at, Math.min(SCAN_CHUNK_BYTES, size - at)))) return false;
  }
  return true;
}
