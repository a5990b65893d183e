// Wraps an event Elasticsearch refused for good into a dead-letter document: the original
// event (as text, so it cannot conflict again), where it was going, why it failed, attempts
// and times. It is written with `create` and the original `_id`, so it is never doubled.
import { blockOfEvents, type BlockOptions, type EventBlock, type EventInput } from '../model/event-block.ts';
import type { ItemError } from '../model/item-outcome.ts';

/** The dead letter of one event, as a block of one event of kind 'dead-letter'. */
export function deadLetterBlock(event: EventInput & { attempts: number }, status: number, error: ItemError, deadLetterIndex: string, now: number, options: BlockOptions): EventBlock {
  const doc = {
    '@timestamp': new Date(now).toISOString(),
    event: { id: event.id, stream: event.stream, original: event.source.toString('utf8') },
    target_index: event.index,
    error: { type: error.type, reason: error.reason, status },
    attempts: event.attempts + 1,
    accepted_at: new Date(event.acceptedAt).toISOString(),
    failed_at: new Date(now).toISOString(),
  };
  return blockOfEvents([{
    id: event.id,
    index: deadLetterIndex,
    stream: event.stream,
    source: Buffer.from(JSON.stringify(doc)),
    acceptedAt: event.acceptedAt,
    kind: 'dead-letter',
  }], options);
}

export const DEAD_LETTER_MAPPINGS = {
  dynamic: false,
  properties: {
    '@timestamp': { type: 'date' },
    event: { properties: { id: { type: 'keyword' }, stream: { type: 'keyword' }, original: { type: 'text', index: false } } },
    target_index: { type: 'keyword' },
    error: { properties: { type: { type: 'keyword' }, reason: { type: 'text' }, status: { type: 'short' } } },
    attempts: { type: 'integer' },
    accepted_at: { type: 'date' },
    failed_at: { type: 'date' },
  },
} as const;
