// Wraps an event Elasticsearch refused for good into a dead-letter document: the original
// event (as text, so it cannot conflict again), where it was going, why it failed, attempts
// and times. It is written with `create` and the original `_id`, so it is never doubled.
import type { ItemError, PipelineEvent } from '../pipeline/event.ts';

export function deadLetterEvent(event: PipelineEvent, status: number, error: ItemError, deadLetterIndex: string, now: number): PipelineEvent {
  const doc = {
    '@timestamp': new Date(now).toISOString(),
    event: { id: event.id, stream: event.stream, original: event.source.toString('utf8') },
    target_index: event.index,
    error: { type: error.type, reason: error.reason, status },
    attempts: event.attempts + 1,
    accepted_at: new Date(event.acceptedAt).toISOString(),
    failed_at: new Date(now).toISOString(),
  };
  return {
    id: event.id,
    index: deadLetterIndex,
    stream: event.stream,
    source: Buffer.from(JSON.stringify(doc)),
    acceptedAt: event.acceptedAt,
    kind: 'dead-letter',
    attempts: 0,
    onDone: undefined,
  };
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
