// Reads a bulk response item by item and says what each item needs next. Pure.
import type { ItemError, OpDetail } from '../model/item-outcome.ts';

export type ItemVerdict =
  | { kind: 'created'; status: number; detail?: OpDetail }
  | { kind: 'duplicate'; status: 409; error?: ItemError }
  | { kind: 'retry'; status: number; error: ItemError }
  | { kind: 'permanent'; status: number; error: ItemError };

/** Item statuses worth another attempt: overload and transient unavailability. */
export const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

interface BulkItemBody {
  status?: number;
  result?: string;
  _version?: number;
  _seq_no?: number;
  _primary_term?: number;
  _shards?: Record<string, unknown>;
  _index?: string;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } } | string;
}

function itemError(error: BulkItemBody['error'], status: number, keep = false): ItemError {
  if (error === undefined) return { type: 'unknown', reason: `status ${status}` };
  if (typeof error === 'string') return { type: 'error', reason: error };
  const cause = error.caused_by;
  const reason = error.reason ?? 'no reason given';
  return {
    type: error.type ?? 'unknown',
    reason: cause?.reason !== undefined ? `${reason}: ${cause.type ?? ''} ${cause.reason}`.trim() : reason,
    ...(keep ? { es: error as Record<string, unknown> } : {}),
  };
}

// The two verdicts of nearly every item, shared: no object per item.
const CREATED: ItemVerdict = Object.freeze({ kind: 'created', status: 201 });
const DUPLICATE: ItemVerdict = Object.freeze({ kind: 'duplicate', status: 409 });

function detailOf(item: BulkItemBody): OpDetail {
  return { result: item.result, version: item._version, seqNo: item._seq_no, primaryTerm: item._primary_term, shards: item._shards, index: item._index };
}

/**
 * `detailed`: the request carried operations of the Elasticsearch-compatible API, whose answers
 * keep what Elasticsearch said (result, version, the error of a 409).
 */
export function classifyItem(item: BulkItemBody | undefined, detailed = false): ItemVerdict {
  const status = item?.status ?? 0;
  if (detailed && item !== undefined) {
    // A delete of a missing document: 404 and result not_found, not an error.
    if ((status >= 200 && status < 300) || (status === 404 && item.error === undefined)) return { kind: 'created', status, detail: detailOf(item) };
    if (status === 409) return { kind: 'duplicate', status, error: itemError(item.error, status, true) };
  }
  if (status === 201) return CREATED;
  if (status === 409) return DUPLICATE;
  // A delete of a missing document (an operation nobody waits for): not_found, not an error.
  if (status === 404 && item?.result === 'not_found' && item.error === undefined) return { kind: 'created', status };
  if (status >= 200 && status < 300) return { kind: 'created', status };
  const error = itemError(item?.error, status, detailed);
  if (RETRIABLE_STATUSES.has(status) || status === 0) return { kind: 'retry', status, error };
  return { kind: 'permanent', status, error };
}

const ALL_CREATED_HEAD = '{"errors":false,"items":[';
const CREATED_ITEM = '{"create":{"status":201}}';
/** The same for operations nobody waits for, whose requests also ask for each item's result. */
const CREATED_OP_ITEM = '{"create":{"result":"created","status":201}}';
const CREATED_ENTRY = Object.freeze({ create: Object.freeze({ status: 201 }) });
/** `CREATED_ITEM,` repeated, grown to the longest all-created response seen; sliced, never copied. */
const createdItems = new Map<string, string>();

/**
 * The number of items if `json` is exactly `{"errors":false,"items":[<CREATED_ITEM>,…]}`, else
 * undefined. Nearly every bulk response has this one shape (the bulk sink's filter_path leaves
 * only statuses, and every action is a create), and recognising it with one string comparison
 * (~10 µs per 5,000 items) saves parsing it (~0.9 ms, ~0.19 µs per event).
 */
export function allCreatedCount(json: string, item = CREATED_ITEM): number | undefined {
  if (!json.startsWith(ALL_CREATED_HEAD) || !json.endsWith(']}')) return undefined;
  const itemsLength = json.length - ALL_CREATED_HEAD.length - 2;
  const n = (itemsLength + 1) / (item.length + 1);
  if (!Number.isInteger(n) || n < 1) return undefined;
  let items = createdItems.get(item) ?? '';
  if (items.length < itemsLength) {
    items = `${item},`.repeat(n);
    createdItems.set(item, items);
  }
  if (json.slice(ALL_CREATED_HEAD.length, ALL_CREATED_HEAD.length + itemsLength) !== items.slice(0, itemsLength)) return undefined;
  return n;
}

/**
 * The verdicts of a bulk response's text, or undefined when it is not JSON. The response is read
 * with plain `JSON.parse`: it comes from our own cluster and is only read field by field, never
 * merged into another object, so prototype-poisoning keys ("__proto__") cannot do harm.
 */
export function parseBulkResponseText(json: string, sent: number, detailed = false): ItemVerdict[] | undefined {
  const created = detailed ? undefined : allCreatedCount(json) ?? allCreatedCount(json, CREATED_OP_ITEM);
  if (created === sent) return new Array<ItemVerdict>(sent).fill(CREATED);
  if (created !== undefined) return parseBulkResponse({ items: new Array(created).fill(CREATED_ENTRY) }, sent);
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    return undefined;
  }
  return parseBulkResponse(body, sent, detailed);
}

/**
 * Classifies every item of a bulk response (request order). A response with fewer items than
 * were sent marks the missing ones as retriable rather than guessing.
 */
export function parseBulkResponse(body: unknown, sent: number, detailed = false): ItemVerdict[] {
  const items = (body as { items?: Record<string, BulkItemBody>[] } | null)?.items ?? [];
  const out: ItemVerdict[] = new Array(sent);
  for (let i = 0; i < sent; i++) {
    const entry = items[i];
    const item = entry === undefined ? undefined : (entry.create ?? entry.index ?? Object.values(entry)[0]);
    out[i] = item === undefined ? { kind: 'retry', status: 0, error: { type: 'missing_item', reason: 'the bulk response had no result for this item' } } : classifyItem(item, detailed);
  }
  return out;
}
