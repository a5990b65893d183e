// The spool as the pipeline reads and writes it: the port this folder offers (spool-port-adapter.ts
// opens the disk spool behind it; app.ts hands it to the pipeline).
import type { SpoolBlock, SpoolEvent, SpoolEventBatch } from './spool-event.ts';

/** An event as the spool stores it (src/spool defines the encoding). */
export type SpooledEvent = SpoolEvent;

/** Events to append, read by position (src/spool defines the shape). */
export type SpoolAppendBatch = SpoolEventBatch;

/** Events of bulk lines that share one meta, appended as one record. */
export type SpoolAppendBlock = SpoolBlock;

export interface SpoolReadBatch {
  events: SpooledEvent[];
  position: unknown;
}

export interface SpoolPort {
  /**
   * All or nothing; resolves once durable per the fsync policy; rejects with isSpoolFull(err) when
   * full. `syncAtOnce`: no other request is on its way to the spool, so a group commit would
   * wait for nobody: the fsync starts right after the write.
   */
  append(events: SpoolAppendBatch, syncAtOnce?: boolean): Promise<void>;
  /**
   * Like append; when nothing unread lies before them, the events are also handed out for delivery
   * as they are written (not read back from the disk): resolves with the position to commit or
   * release, as for a read batch, or with undefined when they are left for read().
   */
  appendForDelivery(events: SpoolAppendBatch, syncAtOnce?: boolean): Promise<unknown>;
  /** The next events not yet handed out, or undefined when there are none. */
  read(maxEvents: number, maxBytes: number): Promise<SpoolReadBatch | undefined>;
  /**
   * The batch was delivered: it is not read again by this process. The durable cursor moves over
   * contiguous delivered batches only, so after a crash a batch delivered out of order may be
   * sent again — a duplicate Elasticsearch refuses (fixed ids, op_type=create), not a second document.
   */
  commit(position: unknown): Promise<void>;
  /** The batch was not delivered: it will be read again. */
  release(position: unknown): void;
  readonly pendingEvents: number;
  /** Pending events not out for delivery: what read() would hand out. */
  readonly unreadEvents: number;
  readonly bytesOnDisk: number;
  close(): Promise<void>;
}

export function isSpoolFull(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'SpoolFullError';
}
