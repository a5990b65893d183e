// Appends framed records to the active segment and makes them durable per the fsync policy.
//
// One loop owns the active file: it writes every append queued since its last write with a
// single positional writev (group write; synchronous, see writeAll), rotates to a new segment
// once the active one has passed `segmentBytes`, and runs the fsyncs. An append's promise
// settles only after the write (and, per policy, the fsync) covering it; a failed write is
// truncated away, so each append is on disk whole or not at all.
//   always    fsync after every group write; appends arriving during an fsync form the next
//             group (classic group commit: one fsync per group, never an unsynced ack).
//   interval  fsync at most every fsyncIntervalMs, or as soon as groupCommitBytes are waiting or
//             an append asks for it (syncAtOnce: no other request is on its way to share the
//             fsync, so waiting out the interval would only idle); all appends written before an
//             fsync started resolve when it completes.
//   never     resolve after the write (page cache); the only fsync is at close().
import { writevSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fsyncDirectory, fsyncFile, type FsyncHook } from './durable-files.ts';
import { segmentPath, type LogPosition } from './segment-files.ts';
import type { SegmentInfo, SegmentTable } from './segment-table.ts';

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface SegmentWriterOptions {
  segmentBytes: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  groupCommitBytes: number;
  onFsync: FsyncHook | undefined;
}

/** An append as it lies in the file: its records span [start, end). */
export interface WrittenAppend {
  readonly events: number;
  readonly bytes: number;
  readonly firstAcceptedAt: number;
  readonly start: LogPosition;
  readonly end: LogPosition;
  /** What the appender asked for with it (see SegmentWriter.append). */
  readonly handOut: boolean;
}

/**
 * What the writer tells its owner once an append is in the file (readable, maybe not durable),
 * in log order. What it returns is what the append's promise resolves with.
 */
export type WrittenListener = (written: WrittenAppend) => number | undefined;

interface PendingAppend {
  data: readonly Uint8Array[];
  bytes: number;
  events: number;
  firstAcceptedAt: number;
  handOut: boolean;
  syncAtOnce: boolean;
  handedOut: number | undefined;
  resolve: (handedOut: number | undefined) => void;
  reject: (err: Error) => void;
}

/** Bounds one synchronous write (a copy into the page cache): ~1 ms of the event loop. */
const MAX_GROUP_BYTES = 4 * 1024 * 1024;

export class SpoolWriteError extends Error {
  override readonly name = 'SpoolWriteError';
}

export class SegmentWriter {
  private readonly dir: string;
  private readonly table: SegmentTable;
  private readonly o: SegmentWriterOptions;
  /** Called once an append is in the file (before its fsync). */
  onWritten: WrittenListener | undefined;
  /** Called for a written append whose fsync failed, with what onWritten returned for it. */
  onSyncFailed: ((handedOut: number) => void) | undefined;
  /** Called after a rotation, when the previous segment is sealed. */
  onRotated: (() => void) | undefined;
  private fh: FileHandle;
  private queue: PendingAppend[] = [];
  private unsynced: PendingAppend[] = [];
  private unsyncedBytes = 0;
  private syncDue = false;
  private syncTimer: NodeJS.Timeout | undefined;
  /** Opening counts as a sync: the first interval starts then. */
  private lastSyncAt = Date.now();
  private rotateRequested = false;
  private running: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Bytes accepted by append() and not yet written (or failed). */
  unwrittenBytes = 0;

  private constructor(dir: string, table: SegmentTable, fh: FileHandle, options: SegmentWriterOptions) {
    this.dir = dir;
    this.table = table;
    this.fh = fh;
    this.o = options;
  }

  /** Opens the table's active segment for appending (the table must have one). */
  static async open(dir: string, table: SegmentTable, options: SegmentWriterOptions): Promise<SegmentWriter> {
    const active = table.active;
    if (active === undefined) throw new Error('no active segment');
    const fh = await open(active.path, 'r+');
    return new SegmentWriter(dir, table, fh, options);
  }

  /** Creates the first segment file of an empty spool (durably, unless the policy is never). */
  static async createSegment(dir: string, seq: number, durable: boolean, onFsync: FsyncHook | undefined): Promise<{ info: SegmentInfo; fh: FileHandle }> {
    const path = segmentPath(dir, seq);
    const fh = await open(path, 'wx');
    if (durable) await fsyncDirectory(dir, onFsync);
    return { info: { seq, path, size: 0 }, fh };
  }

  /**
   * Appends the records in `data` (`bytes` in all) as one append. Resolves, once they are durable
   * per the policy, with what onWritten returned for them (`handOut` is passed on to it).
   * `syncAtOnce`: under the interval policy, the fsync covering it starts right after its write.
   */
  append(data: readonly Uint8Array[], bytes: number, events: number, firstAcceptedAt: number, handOut = false, syncAtOnce = false): Promise<number | undefined> {
    if (this.failure !== undefined) return Promise.reject(new SpoolWriteError(`spool writer failed earlier: ${this.failure.message}`, { cause: this.failure }));
    this.unwrittenBytes += bytes;
    return new Promise((resolve, reject) => {
      this.queue.push({ data, bytes, events, firstAcceptedAt, handOut, syncAtOnce, handedOut: undefined, resolve, reject });
      this.kick();
    });
  }

  /** Starts a new segment before the next write (so a fully consumed active one can go). */
  requestRotation(): void {
    this.rotateRequested = true;
  }

  /** Writes what is queued, fsyncs (whatever the policy) and closes the file. */
  async close(): Promise<void> {
    while (this.running !== undefined) await this.running;
    clearTimeout(this.syncTimer);
    if (this.failure === undefined) {
      try {
        await fsyncFile(this.fh, 'segment', this.o.onFsync);
        this.settleUnsynced(undefined);
      } catch (err) {
        this.settleUnsynced(err as Error);
      }
    } else {
      this.settleUnsynced(this.failure);
    }
    await this.fh.close();
  }

  private kick(): void {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0 || (this.syncDue && this.unsynced.length > 0)) this.kick();
    });
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.syncDue && this.unsynced.length > 0) {
        await this.sync();
      } else if (this.queue.length > 0) {
        await this.writeGroup(this.takeGroup());
      } else {
        return;
      }
    }
  }

  private takeGroup(): PendingAppend[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || bytes + (this.queue[n] as PendingAppend).bytes <= MAX_GROUP_BYTES)) {
      bytes += (this.queue[n] as PendingAppend).bytes;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async writeGroup(group: PendingAppend[]): Promise<void> {
    let bytes = 0;
    for (const a of group) bytes += a.bytes;
    try {
      if (this.failure !== undefined) throw this.failure;
      await this.rotateIfDue();
      if (this.failure !== undefined) throw this.failure;
      await this.writeAll(group, bytes);
    } catch (err) {
      this.unwrittenBytes -= bytes;
      const error = err instanceof SpoolWriteError ? err : new SpoolWriteError(`spool write failed: ${(err as Error).message}`, { cause: err });
      for (const a of group) a.reject(error);
      return;
    }
    this.unwrittenBytes -= bytes;
    const segment = this.table.active as SegmentInfo;
    let offset = segment.size - bytes;
    for (const a of group) {
      const start = { seq: segment.seq, offset };
      offset += a.bytes;
      a.handedOut = this.onWritten?.({ events: a.events, bytes: a.bytes, firstAcceptedAt: a.firstAcceptedAt, start, end: { seq: segment.seq, offset }, handOut: a.handOut });
    }
    if (this.o.fsync === 'never') {
      for (const a of group) a.resolve(a.handedOut);
      return;
    }
    this.unsynced.push(...group);
    this.unsyncedBytes += bytes;
    if (this.o.fsync === 'always' || this.unsyncedBytes >= this.o.groupCommitBytes || group.some((a) => a.syncAtOnce)) this.syncDue = true;
    else this.armSyncTimer();
  }

  /**
   * One positional writev at the end of the active segment; on any failure, cut it back off.
   * Synchronous: it copies into the page cache (the fsyncs, which wait for the disk, stay on
   * libuv's pool), and a round trip through the pool and back through a busy event loop took
   * milliseconds of each acknowledgement (bench/README.md, "The segment written synchronously").
   */
  private async writeAll(group: PendingAppend[], bytes: number): Promise<void> {
    const segment = this.table.active as SegmentInfo;
    const start = segment.size;
    try {
      const bytesWritten = writevSync(this.fh.fd, group.flatMap((a) => a.data), start);
      if (bytesWritten !== bytes) throw new Error(`short write: ${bytesWritten} of ${bytes} bytes`);
    } catch (err) {
      try {
        await this.fh.truncate(start);
      } catch (truncateErr) {
        this.failure = truncateErr as Error; // the file may hold a partial group: stop writing
      }
      throw err;
    }
    segment.size = start + bytes;
  }

  private async rotateIfDue(): Promise<void> {
    const active = this.table.active as SegmentInfo;
    if (active.size === 0 || (active.size < this.o.segmentBytes && !this.rotateRequested)) return;
    const created = await SegmentWriter.createSegment(this.dir, active.seq + 1, this.o.fsync !== 'never', this.o.onFsync);
    const old = this.fh;
    this.fh = created.fh;
    this.table.add(created.info);
    this.rotateRequested = false;
    if (this.o.fsync !== 'never' && this.unsynced.length > 0) {
      try {
        await fsyncFile(old, 'segment', this.o.onFsync);
        this.settleUnsynced(undefined);
      } catch (err) {
        this.failure = err as Error;
        this.settleUnsynced(err as Error);
      }
    }
    await old.close();
    this.onRotated?.();
  }

  private armSyncTimer(): void {
    if (this.syncTimer !== undefined) return;
    const delay = Math.max(0, this.lastSyncAt + this.o.fsyncIntervalMs - Date.now());
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.syncDue = true;
      this.kick();
    }, delay);
  }

  private async sync(): Promise<void> {
    this.syncDue = false;
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.lastSyncAt = Date.now();
    try {
      await fsyncFile(this.fh, 'segment', this.o.onFsync);
      this.settleUnsynced(undefined);
    } catch (err) {
      // After a failed fsync the kernel may have dropped the dirty pages: nothing written since
      // the last good fsync can be trusted, so refuse all further appends (see "fsyncgate").
      this.failure = err as Error;
      this.settleUnsynced(err as Error);
    }
  }

  private settleUnsynced(err: Error | undefined): void {
    const waiting = this.unsynced;
    this.unsynced = [];
    this.unsyncedBytes = 0;
    const error = err === undefined ? undefined : new SpoolWriteError(`spool fsync failed: ${err.message}`, { cause: err });
    for (const a of waiting) {
      if (error === undefined) {
        a.resolve(a.handedOut);
        continue;
      }
      if (a.handedOut !== undefined) this.onSyncFailed?.(a.handedOut);
      a.reject(error);
    }
  }
}
