// The durable disk spool: an append-only log of pipeline events in segment files, read back
// for replay in batches that are committed (delivered) or released (handed back), with a
// durable cursor so a restart resumes where delivery stopped. See DESIGN.md, "spool".
import { mkdir, unlink } from 'node:fs/promises';
import { CheckpointStore } from './checkpoint.ts';
import { ReadRanges, SpoolPositionError, type ReadRange } from './read-ranges.ts';
import { recoverSpool, type RecoveryReport } from './recovery.ts';
import { comparePositions, type LogPosition } from './segment-files.ts';
import { SegmentReader } from './segment-reader.ts';
import { SegmentWriter, type WrittenAppend } from './segment-writer.ts';
import type { SegmentInfo, SegmentTable } from './segment-table.ts';
import { acquireSpoolLock } from './spool-lock.ts';
import { frameMeasuredEvents, measureEvents, type MeasuredEvents } from './event-records.ts';
import { frameBlockRecord } from './block-record.ts';
import { deleteGradually } from './durable-files.ts';
import { spoolBatchOf, type SpoolBlock, type SpoolEvent, type SpoolEventBatch, type SpoolEventInput } from './spool-event.ts';
import { resolveSpoolOptions, type SpoolOptions } from './spool-options.ts';

/** Where a batch sits in the spool; only meaningful to the Spool that handed it out. */
export interface SpoolPosition {
  readonly spool: number;
  readonly batch: number;
}

export interface SpoolBatch {
  readonly events: SpoolEvent[];
  /** Bytes the batch's records take on disk. */
  readonly bytes: number;
  readonly position: SpoolPosition;
}

export interface SpoolStats {
  segments: number;
  /** Events not yet committed: unread plus handed out. Exact across restarts. */
  pendingEvents: number;
  pendingBytes: number;
  /** Pending events not out for delivery: what read() would hand out. */
  unreadEvents: number;
  bytesOnDisk: number;
  /** acceptedAt of the first pending event in log order (undefined when none is pending). */
  oldestAcceptedAt: number | undefined;
}

/** How much of a delivered segment one truncation frees (see deleteGradually). */
const SEGMENT_DELETE_STEP_BYTES = 4 * 1024 * 1024;

export class SpoolFullError extends Error {
  override readonly name = 'SpoolFullError';
}

export class SpoolClosedError extends Error {
  override readonly name = 'SpoolClosedError';
}

let spoolInstances = 0;

export class Spool {
  /** What recovery found and did when this spool was opened. */
  readonly recovery: RecoveryReport;
  private readonly options: SpoolOptions;
  private readonly id = ++spoolInstances;
  private readonly table: SegmentTable;
  private readonly writer: SegmentWriter;
  private readonly reader: SegmentReader;
  private readonly checkpoints: CheckpointStore;
  private dropping: Promise<void> = Promise.resolve();
  private readonly ranges = new ReadRanges();
  private readonly unlock: () => Promise<void>;
  /** End of the committed prefix (in memory); `durableCursor` is the last one on disk. */
  private cursor: LogPosition;
  private durableCursor: LogPosition;
  private readHead: LogPosition;
  private pendingEvents: number;
  private pendingBytes: number;
  /** Pending events that read() would hand out: neither out for delivery nor committed. */
  private unreadEvents: number;
  private readsInFlight = 0;
  private oldestAcceptedAt: number | undefined;
  private reading: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(init: {
    options: SpoolOptions; recovery: RecoveryReport; table: SegmentTable; writer: SegmentWriter; checkpoints: CheckpointStore;
    unlock: () => Promise<void>; cursor: LogPosition; oldestAcceptedAt: number | undefined;
  }) {
    this.options = init.options;
    this.recovery = init.recovery;
    this.table = init.table;
    this.writer = init.writer;
    this.reader = new SegmentReader(init.table);
    this.checkpoints = init.checkpoints;
    this.unlock = init.unlock;
    this.cursor = this.durableCursor = this.readHead = init.cursor;
    this.pendingEvents = init.recovery.records;
    this.pendingBytes = init.recovery.bytes;
    this.unreadEvents = init.recovery.records;
    this.oldestAcceptedAt = init.oldestAcceptedAt;
    this.writer.onWritten = (written) => this.onWritten(written);
    this.writer.onSyncFailed = (batch) => this.release({ spool: this.id, batch });
    this.writer.onRotated = () => void this.dropConsumedSegments(this.durableCursor);
  }

  /** Opens (creating if needed) the spool in `dir`, recovering it; see `recovery` for what was found. */
  static async open(dir: string, options: Partial<SpoolOptions> = {}): Promise<Spool> {
    const o = resolveSpoolOptions(options);
    const durable = o.fsync !== 'never';
    await mkdir(dir, { recursive: true });
    const unlock = await acquireSpoolLock(dir);
    try {
      const recovered = await recoverSpool(dir, durable, o.onFsync);
      if (recovered.table.active === undefined) {
        const created = await SegmentWriter.createSegment(dir, recovered.nextSeq, durable, o.onFsync);
        await created.fh.close();
        recovered.table.add(created.info);
        recovered.report.segments = recovered.table.count;
      }
      const writer = await SegmentWriter.open(dir, recovered.table, { ...o, onFsync: o.onFsync });
      return new Spool({
        options: o, recovery: recovered.report, table: recovered.table, writer, unlock,
        checkpoints: new CheckpointStore(dir, durable, o.onFsync, o.checkpointIntervalMs), cursor: recovered.cursor, oldestAcceptedAt: recovered.oldestAcceptedAt,
      });
    } catch (err) {
      await unlock();
      throw err;
    }
  }

  /**
   * Appends all of `events` or none. Resolves once they are durable per the fsync policy;
   * rejects with SpoolFullError (nothing written) when they would take the spool past maxBytes.
   * `syncAtOnce`: no other append is expected soon (SegmentWriter.append).
   */
  async append(input: SpoolEventBatch | readonly SpoolEventInput[], syncAtOnce = false): Promise<void> {
    await this.write(input, false, syncAtOnce);
  }

  /**
   * Appends like append(), and when read() has nothing else to hand out before these records,
   * hands them out for delivery as they are written, so they are not read back from the file:
   * resolves with their position (to commit or release like a read batch's), or with undefined
   * when they were left for read().
   */
  appendForDelivery(input: SpoolEventBatch | readonly SpoolEventInput[], syncAtOnce = false): Promise<SpoolPosition | undefined> {
    return this.write(input, true, syncAtOnce).then((batch) => (batch === undefined ? undefined : { spool: this.id, batch }));
  }

  private write(input: SpoolEventBatch | readonly SpoolEventInput[], handOut: boolean, syncAtOnce: boolean): Promise<number | undefined> {
    if (this.closed) return Promise.reject(new SpoolClosedError('spool is closed'));
    const events = Array.isArray(input) ? spoolBatchOf(input) : input as SpoolEventBatch;
    if (events.length === 0) return Promise.resolve(undefined);
    // Size first: a full spool refuses without encoding (a busy overload would otherwise allocate
    // and drop every refused request's bytes). Blocks are framed at once: their records only add
    // a header each to buffers that exist already.
    const blocks = events.blocks === undefined ? undefined : frameBlocks(events.blocks);
    let measured: MeasuredEvents | undefined;
    let size = blocks?.bytes ?? 0;
    if (blocks === undefined) {
      try {
        measured = measureEvents(events);
      } catch (err) {
        return Promise.reject(err as Error);
      }
      size = measured.bytes;
    }
    const onDisk = this.table.totalBytes() + this.writer.unwrittenBytes;
    if (onDisk + size > this.options.maxBytes) {
      const reclaimable = this.reclaimableActiveBytes();
      if (onDisk - reclaimable + size > this.options.maxBytes) {
        return Promise.reject(new SpoolFullError(`spool full: ${size} bytes do not fit (${onDisk} of ${this.options.maxBytes} bytes used)`));
      }
      this.writer.requestRotation();
    }
    const data = blocks === undefined ? [frameMeasuredEvents(measured as MeasuredEvents)] : blocks.buffers;
    return this.writer.append(data, size, events.length, events.acceptedAt(0), handOut, syncAtOnce);
  }

  /**
   * The next events after the committed cursor that are not out for delivery (released ones
   * first), at most `maxEvents` and about `maxBytes` (at least one record; a block record's events
   * come whole, so they may pass `maxEvents`); undefined when none.
   */
  read(maxEvents: number, maxBytes: number): Promise<SpoolBatch | undefined> {
    if (this.closed) return Promise.reject(new SpoolClosedError('spool is closed'));
    // While a read is queued or running, nothing is handed out as it is written: the read could
    // reach those records in the file too.
    this.readsInFlight++;
    const next = this.reading.then(() => this.readNow(Math.max(1, maxEvents), maxBytes)).finally(() => this.readsInFlight--);
    this.reading = next.catch(() => undefined);
    return next;
  }

  /**
   * The batch at `position` was delivered. Resolves once the durable cursor covers every batch
   * before it that was committed too (or right away while an earlier batch is still out).
   */
  async commit(position: SpoolPosition): Promise<void> {
    if (this.closed) throw new SpoolClosedError('spool is closed');
    const advance = this.ranges.commit(this.batchId(position));
    if (advance === undefined) return;
    const cursor = advance.cursor;
    this.cursor = cursor;
    this.pendingEvents -= advance.events;
    this.pendingBytes -= advance.bytes;
    const saved = this.checkpoints.save(cursor); // started now, so close() waits for it
    await this.refreshOldest();
    await saved;
    if (comparePositions(cursor, this.durableCursor) > 0) this.durableCursor = cursor;
    if (!this.closed) await this.dropConsumedSegments(cursor);
  }

  /** The batch at `position` was not delivered: it is handed out again by a later read(). */
  release(position: SpoolPosition): void {
    this.unreadEvents += this.ranges.release(this.batchId(position)).events;
  }

  /** stats().unreadEvents without the object (the replayer asks on every turn). */
  get unreadEventCount(): number {
    return this.unreadEvents;
  }

  stats(): SpoolStats {
    return {
      segments: this.table.count,
      pendingEvents: this.pendingEvents,
      pendingBytes: this.pendingBytes,
      unreadEvents: this.unreadEvents,
      bytesOnDisk: this.table.totalBytes(),
      oldestAcceptedAt: this.oldestAcceptedAt,
    };
  }

  /** Writes and fsyncs what was appended, saves the cursor, closes the files and the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reading;
    try {
      await this.writer.close();
      await this.checkpoints.flush();
      await this.dropping;
      await this.reader.close();
    } finally {
      await this.unlock();
    }
  }

  private async readNow(maxEvents: number, maxBytes: number): Promise<SpoolBatch | undefined> {
    const released = this.ranges.firstReleased();
    const from = released?.start ?? this.readHead;
    const r = await this.reader.read(from, released?.end, maxEvents, maxBytes);
    const first = r.events[0];
    if (first === undefined) return undefined;
    this.unreadEvents -= r.events.length;
    const span = { start: from, end: r.end, events: r.events.length, bytes: r.bytes, firstAcceptedAt: first.acceptedAt };
    let range: ReadRange;
    if (released === undefined) {
      range = this.ranges.add(span);
      this.readHead = r.end;
    } else {
      range = this.ranges.reissue(released, span);
    }
    return { events: r.events, bytes: r.bytes, position: { spool: this.id, batch: range.id } };
  }

  /** Counts written records; hands them out (returns their batch id) when asked and nothing unread is before them. */
  private onWritten(w: WrittenAppend): number | undefined {
    if (this.pendingEvents === 0) this.oldestAcceptedAt = w.firstAcceptedAt;
    this.pendingEvents += w.events;
    this.pendingBytes += w.bytes;
    if (w.handOut && this.unreadEvents === 0 && this.readsInFlight === 0 && !this.closed) {
      // Everything written before is out or committed, so the read head is where these records
      // start (or at the end of the segment before theirs).
      const range = this.ranges.add({ start: w.start, end: w.end, events: w.events, bytes: w.bytes, firstAcceptedAt: w.firstAcceptedAt });
      this.readHead = w.end;
      return range.id;
    }
    this.unreadEvents += w.events;
    return undefined;
  }

  private async refreshOldest(): Promise<void> {
    const head = this.ranges.first;
    if (this.pendingEvents === 0) this.oldestAcceptedAt = undefined;
    else if (head !== undefined) this.oldestAcceptedAt = head.firstAcceptedAt;
    else this.oldestAcceptedAt = (await this.reader.acceptedAtOf(this.cursor).catch(() => undefined)) ?? this.oldestAcceptedAt;
  }

  /** Bytes of the active segment that a rotation would free: all of it delivered, nothing queued. */
  private reclaimableActiveBytes(): number {
    const active = this.table.active as SegmentInfo;
    const idle = this.writer.unwrittenBytes === 0 && this.ranges.length === 0;
    const consumed = this.durableCursor.seq === active.seq && this.durableCursor.offset >= active.size;
    return idle && consumed ? active.size : 0;
  }

  /** Deletes sealed segments that lie wholly before `cursor` (a durable one). */
  private dropConsumedSegments(cursor: LogPosition): Promise<void> {
    const gone: SegmentInfo[] = [];
    for (const s of [...this.table.all()]) {
      if (this.table.isActive(s.seq)) break;
      if (s.seq > cursor.seq || (s.seq === cursor.seq && cursor.offset < s.size)) break;
      this.table.remove(s.seq);
      gone.push(s);
    }
    if (gone.length === 0) return Promise.resolve();
    // The files go one at a time (each is cut down over ~100 ms), and close() waits for them.
    const deleted = this.dropping.then(async () => {
      for (const s of gone) {
        await this.reader.forget(s.seq);
        await deleteGradually(s.path, SEGMENT_DELETE_STEP_BYTES).catch(() => unlink(s.path)).catch(() => undefined);
      }
    });
    this.dropping = deleted.catch(() => undefined);
    return deleted;
  }

  private batchId(position: SpoolPosition): number {
    if (position.spool !== this.id) throw new SpoolPositionError('position comes from another spool instance (or from before a restart)');
    return position.batch;
  }
}

/** Each block as one record, or undefined when one of them cannot be (its events are then framed one by one). */
function frameBlocks(blocks: readonly SpoolBlock[]): { buffers: Uint8Array[]; bytes: number } | undefined {
  const buffers: Uint8Array[] = [];
  let bytes = 0;
  for (const block of blocks) {
    const framed = frameBlockRecord(block);
    if (framed === undefined) return undefined;
    buffers.push(...framed.buffers);
    bytes += framed.bytes;
  }
  return { buffers, bytes };
}
