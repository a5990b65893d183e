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

/** Bytes an event holds in memory and adds to a bulk body (source + action line). */
export function eventBytes(e: Pick<PipelineEvent, 'source' | 'index' | 'id'>): number {
  return e.source.length + e.index.length + e.id.length + 40;
}
