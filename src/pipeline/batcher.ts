// When to cut a bulk batch from the queue: once it holds max docs or max bytes, once its oldest
// event waited max age, or at once while draining. Pure.
import type { EventQueue } from './event-queue.ts';

export interface BatchLimits {
  batchMaxDocs: number;
  batchMaxBytes: number;
  batchMaxAgeMs: number;
}

/** 0 when a batch should be cut now; otherwise ms until it should (Infinity when empty). */
export function msUntilBatchDue(queue: Pick<EventQueue, 'length' | 'bytes' | 'oldestAt'>, limits: BatchLimits, now: number, draining: boolean): number {
  const oldest = queue.oldestAt;
  if (oldest === undefined) return Number.POSITIVE_INFINITY;
  if (draining || queue.length >= limits.batchMaxDocs || queue.bytes >= limits.batchMaxBytes) return 0;
  return Math.max(0, oldest + limits.batchMaxAgeMs - now);
}

export function cutBatch(queue: EventQueue, limits: BatchLimits) {
  return queue.take(limits.batchMaxDocs, limits.batchMaxBytes);
}
