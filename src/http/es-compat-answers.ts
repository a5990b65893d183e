// The Elasticsearch-compatible API's answers in Elasticsearch's own shapes: bulk items under
// their action, single-document answers, and whole-request errors. Pure.
import type { ItemOutcome } from '../model/item-outcome.ts';
import type { BulkLines } from '../model/bulk-lines.ts';
import { acceptedAt, BULK_ACTIONS, type FramedBulk } from '../ingest/es-bulk-framing.ts';

/** One accepted operation's answer; no outcome yet: accepted (202), honestly, not an invented 201. */
export function itemAnswer(op: { index: string; id: string }, outcome: ItemOutcome | undefined): Record<string, unknown> {
  const head = { _index: op.index, _id: op.id };
  if (outcome === undefined) return { ...head, status: 202, result: 'accepted' };
  switch (outcome.result) {
    case 'created': {
      const d = outcome.detail;
      const out: Record<string, unknown> = { _index: d?.index ?? op.index, _id: op.id };
      if (d?.version !== undefined) out._version = d.version;
      out.result = d?.result ?? 'created';
      if (d?.shards !== undefined) out._shards = d.shards;
      if (d?.seqNo !== undefined) out._seq_no = d.seqNo;
      if (d?.primaryTerm !== undefined) out._primary_term = d.primaryTerm;
      out.status = outcome.status;
      return out;
    }
    case 'duplicate':
      return { ...head, status: 409, error: outcome.error?.es ?? { type: 'version_conflict_engine_exception', reason: `[${op.id}]: version conflict, document already exists` } };
    case 'dead_lettered':
    case 'failed':
      return { ...head, status: outcome.status, error: outcome.error.es ?? { type: outcome.error.type, reason: outcome.error.reason } };
  }
}

/**
 * The bulk answer as JSON text, every operation in request order; `outcomes` holds the accepted
 * ones', in order. Written as text item by item: an answer has an item per operation (~90 bytes
 * each), and objects for all of them cost the main thread more than the text.
 */
export function bulkAnswerJson(framed: FramedBulk, outcomes: readonly (ItemOutcome | undefined)[], tookMs: number): string {
  let errors = framed.refused.length > 0;
  const names = new Map<string, string>();
  const name = (s: string) => {
    let json = names.get(s);
    if (json === undefined) {
      json = JSON.stringify(s);
      names.set(s, json);
    }
    return json;
  };
  const { replyActions, refused, lines } = framed;
  const items = new Array<string>(replyActions.length);
  let r = 0;
  let k = 0;
  for (let i = 0; i < replyActions.length; i++) {
    const action = BULK_ACTIONS[replyActions[i] as number] as string;
    const p = refused[r];
    if (p !== undefined && p.at === i) {
      r++;
      items[i] = `{"${action}":${JSON.stringify({ _index: p.index, _id: p.id, status: p.status, error: p.error })}}`;
      continue;
    }
    const op = acceptedAt(lines as BulkLines, k);
    const outcome = outcomes[k++];
    const head = `{"${action}":{"_index":${name(outcome?.result === 'created' ? outcome.detail?.index ?? op.index : op.index)},"_id":${name(op.id)}`;
    if (outcome === undefined) {
      items[i] = `${head},"status":202,"result":"accepted"}}`;
    } else if (outcome.result === 'created') {
      const d = outcome.detail;
      items[i] = `${head}${d?.version === undefined ? '' : `,"_version":${d.version}`},"result":${name(d?.result ?? 'created')}${d?.shards === undefined ? '' : `,"_shards":${JSON.stringify(d.shards)}`}${d?.seqNo === undefined ? '' : `,"_seq_no":${d.seqNo}`}${d?.primaryTerm === undefined ? '' : `,"_primary_term":${d.primaryTerm}`},"status":${outcome.status}}}`;
    } else {
      errors = true;
      const answer = itemAnswer(op, outcome);
      items[i] = `${head},"status":${answer.status as number},"error":${JSON.stringify(answer.error)}}}`;
    }
  }
  return `{"took":${tookMs},"errors":${errors},"items":[${items.join(',')}]}`;
}

/** Elasticsearch's error body for a whole request. */
export function esError(status: number, type: string, reason: string, extra: Record<string, unknown> = {}): { error: Record<string, unknown>; status: number } {
  return { error: { root_cause: [{ type, reason, ...extra }], type, reason, ...extra }, status };
}

/** A single-document answer (`/{index}/_doc`, `/_create/{id}`): the item itself, or its error as a whole-request error. */
export function documentAnswer(item: Record<string, unknown>): { status: number; body: unknown } {
  const status = item.status as number;
  const error = item.error as Record<string, unknown> | undefined;
  if (error !== undefined) {
    const { type, reason, ...extra } = error as { type: string; reason: string };
    return { status, body: esError(status, type, reason, extra) };
  }
  const { status: _status, ...body } = item;
  return { status, body };
}
