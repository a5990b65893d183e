// What happens to an accepted event (the events themselves travel in blocks: event-block.ts).

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
