// A bulk request body of the Elasticsearch-compatible API framed for the pipeline: parsed
// (es-bulk-request.ts), each operation checked and given its action line (es-bulk-ops.ts), the
// accepted ones written as bulk lines, and what each operation's answer needs kept in columns
// (the lines' own id and index columns, one byte per operation for its answer's action key), so
// that a framing worker hands it to the main thread by transfer. Pure.
import type { BulkLines } from '../model/bulk-lines.ts';
import { encodeOps, prepareOps, type AcceptedOp, type EsApiAccess, type RefusedOp } from './es-bulk-ops.ts';
import { parseBulkBody, type BulkAction, type BulkDefaults, type EsErrorBody } from './es-bulk-request.ts';
import { linesTransferList } from './framed-transfer.ts';
import type { IdGenerator } from './ids.ts';

/** Answer action keys by their code in FramedBulk.replyActions. */
export const BULK_ACTIONS: readonly BulkAction[] = ['create', 'index', 'update', 'delete'];
const ACTION_CODES: Record<BulkAction, number> = { create: 0, index: 1, update: 2, delete: 3 };

export interface FramedBulk {
  ok: true;
  /** Per operation, in request order, its answer's action key (its place in BULK_ACTIONS). */
  replyActions: Uint8Array;
  /** The accepted operations' bulk lines, in order; undefined when none was accepted. */
  lines: BulkLines | undefined;
  /** The refused operations, each with its place among all of them (`at`). */
  refused: (RefusedOp & { at: number })[];
}

/** A framed bulk body, or the whole request refused as Elasticsearch refuses that body. */
export type BulkFraming = FramedBulk | { ok: false; status: number; body: EsErrorBody };

export function frameBulkBody(body: Buffer, defaults: BulkDefaults, access: EsApiAccess, newId: IdGenerator): BulkFraming {
  const parsed = parseBulkBody(body, defaults);
  if (!parsed.ok) return parsed;
  const prepared = prepareOps(parsed.ops, access, newId);
  const replyActions = new Uint8Array(prepared.length);
  const accepted: AcceptedOp[] = [];
  const refused: FramedBulk['refused'] = [];
  prepared.forEach((p, at) => {
    replyActions[at] = ACTION_CODES[p.replyAction];
    if (p.ok) accepted.push(p);
    else refused.push({ ...p, at });
  });
  return { ok: true, replyActions, lines: accepted.length === 0 ? undefined : encodeOps(accepted), refused };
}

/** The buffers to transfer with a framed bulk body (each owns its buffer). */
export function bulkTransferList(framing: BulkFraming): ArrayBuffer[] {
  if (!framing.ok) return [];
  const list = [framing.replyActions.buffer as ArrayBuffer];
  if (framing.lines !== undefined) list.push(...linesTransferList(framing.lines));
  return list;
}

/** The id and index of accepted operation k. */
export function acceptedAt(lines: BulkLines, k: number): { index: string; id: string } {
  return { index: lines.indexNames[lines.indexRefs[k] as number] as string, id: lines.ids.slice(k === 0 ? 0 : lines.idEnds[k - 1], lines.idEnds[k]) };
}
