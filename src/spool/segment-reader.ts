// Reads batches of events from the segments, from a log position up to limits, verifying
// each record's checksum again (recovery verified them at open; a mismatch now means the
// disk changed under the running spool, and is reported as a SpoolCorruptionError).
import { open, type FileHandle } from 'node:fs/promises';
import { parseRecordAt, RECORD_HEADER_BYTES } from './record-framing.ts';
import { comparePositions, type LogPosition } from './segment-files.ts';
import { readAt } from './segment-scanner.ts';
import type { SegmentTable } from './segment-table.ts';
import { SPOOL_EVENT_HEADER_BYTES, spoolEventAcceptedAt, type SpoolEvent } from './spool-event.ts';
import { decodeSpoolPayload } from './block-record.ts';

/** The least read from a segment at once, however small the byte budget left. */
const MIN_READ_BYTES = 64 * 1024;
/**
 * Bytes read ahead per event still wanted. Decoded sources are views into the chunk read, so an
 * oversized read stays in memory as long as the batch does: reads sized by the events wanted keep
 * a slow-start replay's memory near what it replays (bench/README.md, "Memory under overload").
 */
const READ_AHEAD_BYTES_PER_EVENT = 1024;

export class SpoolCorruptionError extends Error {
  override readonly name = 'SpoolCorruptionError';
}

export interface ReadResult {
  events: SpoolEvent[];
  /** Where the next record after the batch starts. */
  end: LogPosition;
  /** Bytes the batch's records take on disk (headers included). */
  bytes: number;
}

export class SegmentReader {
  private readonly table: SegmentTable;
  private readonly handles = new Map<number, Promise<FileHandle>>();

  constructor(table: SegmentTable) {
    this.table = table;
  }

  /**
   * Events from `from` on, stopping before `limit` (if given), at `maxEvents`, or before the
   * record that would pass `maxBytes` (a batch always has at least one record, when any is there;
   * a block record's events come whole, so they may pass `maxEvents`).
   */
  async read(from: LogPosition, limit: LogPosition | undefined, maxEvents: number, maxBytes: number): Promise<ReadResult> {
    const events: SpoolEvent[] = [];
    let bytes = 0;
    let end = from;
    let full = false;
    while (!full && events.length < maxEvents) {
      const loc = this.table.locate(end);
      if (loc === undefined) break;
      const { segment, offset } = loc;
      if (limit !== undefined && comparePositions({ seq: segment.seq, offset }, limit) >= 0) break;
      const stop = limit !== undefined && limit.seq === segment.seq ? Math.min(limit.offset, segment.size) : segment.size;
      if (offset >= stop) break;
      const fh = await this.handle(segment.seq, segment.path);
      const wanted = Math.min(maxBytes - bytes, (maxEvents - events.length) * READ_AHEAD_BYTES_PER_EVENT);
      let chunk = await readAt(fh, offset, Math.min(stop - offset, Math.max(wanted, MIN_READ_BYTES)));
      let rel = 0;
      while (rel < chunk.length && events.length < maxEvents) {
        const r = parseRecordAt(chunk, rel);
        if (r.kind === 'incomplete') {
          if (rel > 0) break; // the rest of this chunk is read in the next pass
          if (offset + r.needBytes > stop) throw new SpoolCorruptionError(`segment ${segment.seq} offset ${offset}: record runs past the written end`);
          chunk = await readAt(fh, offset, r.needBytes);
          continue;
        }
        if (r.kind === 'corrupt') throw new SpoolCorruptionError(`segment ${segment.seq} offset ${offset + rel}: ${r.reason}`);
        if (events.length > 0 && bytes + (r.end - rel) > maxBytes) {
          full = true;
          break;
        }
        for (const e of decodeSpoolPayload(r.payload)) events.push(e);
        bytes += r.end - rel;
        rel = r.end;
      }
      end = { seq: segment.seq, offset: offset + rel };
    }
    return { events, end, bytes };
  }

  /** acceptedAt of the record at `pos`, or undefined when there is none. */
  async acceptedAtOf(pos: LogPosition): Promise<number | undefined> {
    const loc = this.table.locate(pos);
    if (loc === undefined || loc.offset >= loc.segment.size) return undefined;
    const fh = await this.handle(loc.segment.seq, loc.segment.path);
    const head = await readAt(fh, loc.offset + RECORD_HEADER_BYTES, SPOOL_EVENT_HEADER_BYTES);
    return head.length === SPOOL_EVENT_HEADER_BYTES ? spoolEventAcceptedAt(head) : undefined;
  }

  /** Closes the handle on a segment that is being deleted. */
  async forget(seq: number): Promise<void> {
    const fh = this.handles.get(seq);
    this.handles.delete(seq);
    await (await fh?.catch(() => undefined))?.close();
  }

  async close(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(all.map(async (fh) => (await fh.catch(() => undefined))?.close()));
  }

  private handle(seq: number, path: string): Promise<FileHandle> {
    let fh = this.handles.get(seq);
    if (fh === undefined) {
      fh = open(path, 'r');
      this.handles.set(seq, fh);
      fh.catch(() => this.handles.delete(seq));
    }
    return fh;
  }
}
