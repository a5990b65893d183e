// The unit that travels through the pipeline: one document, ready for a bulk `create`.

export interface ItemError {
  type: string;
  reason: string;
}

/** What finally happened to an accepted event. */
export type ItemOutcome =
  | { result: 'created'; status: number }
  | { result: 'duplicate'; status: 409 }
  | { result: 'dead_lettered'; status: number; error: ItemError }
  | { result: 'failed'; status: number; error: ItemError };

export interface PipelineEvent {
  readonly id: string;
  readonly index: string;
  readonly stream: string;
  /** The document's JSON bytes, exactly as they go into the bulk body (no newline). */
  readonly source: Buffer;
  readonly acceptedAt: number;
  readonly kind: 'event' | 'dead-letter';
  /** Bulk attempts so far that ended in a retriable item rejection. */
  attempts: number;
  /** Called once, when the event reached a final state. */
  onDone: ((outcome: ItemOutcome) => void) | undefined;
  /** Set for events read back from the spool: hands the event back unsent (it stays spooled). */
  fromSpool?: { handBack(): void };
}

/** Bytes an event adds to a bulk body (source + action line). */
export function eventBytes(e: Pick<PipelineEvent, 'source' | 'index' | 'id'>): number {
  return e.source.length + e.index.length + e.id.length + 40;
}

/**
 * What an accepted event costs in memory beyond its bytes: the event object, its id string, its
 * Buffer view, its queue entry and its share of the request's framing objects (measured on Node
 * 24: a few hundred bytes). The memory budget counts this too, so its bound is about real RSS.
 */
export const EVENT_OVERHEAD_BYTES = 400;

/** What the memory budget counts for an event. */
export function eventMemory(e: Pick<PipelineEvent, 'source' | 'index' | 'id'>): number {
  return eventBytes(e) + EVENT_OVERHEAD_BYTES;
}
