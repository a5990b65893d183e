// What happens to an accepted event (the events themselves travel in blocks: event-block.ts).

export interface ItemError {
  type: string;
  reason: string;
  /** Elasticsearch's error object as it was (for answers of the Elasticsearch-compatible API). */
  es?: Record<string, unknown>;
}

/**
 * What Elasticsearch said of an operation beyond its status, for the Elasticsearch-compatible
 * API's answers (asked for only when a bulk request carries such operations).
 */
export interface OpDetail {
  /** created, updated, deleted, not_found, noop. */
  result?: string;
  version?: number;
  seqNo?: number;
  primaryTerm?: number;
  shards?: Record<string, unknown>;
  /** The index written, where Elasticsearch named another than the one asked (a data stream's backing index). */
  index?: string;
}

/**
 * What finally happened to an accepted event. `created` is any success (for an operation of the
 * Elasticsearch-compatible API also an update, a delete or a delete of nothing: see `detail`);
 * `duplicate` a 409 (for an operation, its error is kept).
 */
export type ItemOutcome =
  | { result: 'created'; status: number; detail?: OpDetail }
  | { result: 'duplicate'; status: 409; error?: ItemError }
  | { result: 'dead_lettered'; status: number; error: ItemError }
  | { result: 'failed'; status: number; error: ItemError };
