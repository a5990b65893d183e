// Reads a bulk response item by item and says what each item needs next. Pure.
import type { ItemError } from '../pipeline/event.ts';

export type ItemVerdict =
  | { kind: 'created'; status: number }
  | { kind: 'duplicate'; status: 409 }
  | { kind: 'retry'; status: number; error: ItemError }
  | { kind: 'permanent'; status: number; error: ItemError };

/** Item statuses worth another attempt: overload and transient unavailability. */
export const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

interface BulkItemBody {
  status?: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } } | string;
}

function itemError(error: BulkItemBody['error'], status: number): ItemError {
  if (error === undefined) return { type: 'unknown', reason: `status ${status}` };
  if (typeof error === 'string') return { type: 'error', reason: error };
  const cause = error.caused_by;
  const reason = error.reason ?? 'no reason given';
  return {
    type: error.type ?? 'unknown',
    reason: cause?.reason !== undefined ? `${reason}: ${cause.type ?? ''} ${cause.reason}`.trim() : reason,
  };
}

export function classifyItem(item: BulkItemBody | undefined): ItemVerdict {
  const status = item?.status ?? 0;
  if (status >= 200 && status < 300) return { kind: 'created', status };
  if (status === 409) return { kind: 'duplicate', status: 409 };
  const error = itemError(item?.error, status);
  if (RETRIABLE_STATUSES.has(status) || status === 0) return { kind: 'retry', status, error };
  return { kind: 'permanent', status, error };
}

/**
 * Classifies every item of a bulk response (request order). A response with fewer items than
 * were sent marks the missing ones as retriable rather than guessing.
 */
export function parseBulkResponse(body: unknown, sent: number): ItemVerdict[] {
  const items = (body as { items?: Record<string, BulkItemBody>[] } | null)?.items ?? [];
  const out: ItemVerdict[] = new Array(sent);
  for (let i = 0; i < sent; i++) {
    const entry = items[i];
    const item = entry === undefined ? undefined : (entry.create ?? entry.index ?? Object.values(entry)[0]);
    out[i] = item === undefined ? { kind: 'retry', status: 0, error: { type: 'missing_item', reason: 'the bulk response had no result for this item' } } : classifyItem(item);
  }
  return out;
}
