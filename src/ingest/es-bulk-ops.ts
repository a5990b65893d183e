// Operations of the Elasticsearch-compatible API on their way into the pipeline: each checked
// against Elasticsearch's index-name rules and the gateway's own (the indices and ingest
// pipelines the configuration lets this API use), given the gateway's time-ordered id when it has
// none (an `index` without `_id` becomes a `create`), and written as its bulk lines. Pure.
import { idIndexColumns, type BulkLines } from '../model/bulk-lines.ts';
import { namePatternMatcher } from '../model/name-patterns.ts';
import type { BulkAction, BulkOp } from './es-bulk-request.ts';
import { indexNameProblem } from './es-index-name.ts';
import type { IdGenerator } from './ids.ts';

export interface EsApiAccess {
  /** Whether this API may write to the index (or data stream). */
  mayWrite(index: string): boolean;
  pipelineAllowed(pipeline: string): boolean;
  /** The request's API key, when auth is on: its name and whether it may write to the index. */
  key?: { name: string; mayWrite(index: string): boolean };
}

/** Which indices and ingest pipelines the configuration lets this API use (GATEWAY_ES_API_INDICES, _PIPELINES). */
export interface EsApiAccessConfig {
  indices: readonly string[];
  pipelines: readonly string[];
}

/** The request's API key as the bulk check needs it: its name and the index patterns it may write. */
export interface EsApiKeyScope {
  name: string;
  indices: readonly string[];
}

export function esApiAccess(config: EsApiAccessConfig, key?: EsApiKeyScope): EsApiAccess {
  const pipelines = new Set(config.pipelines);
  return {
    mayWrite: namePatternMatcher(config.indices),
    pipelineAllowed: (p) => pipelines.has(p),
    ...(key === undefined ? {} : { key: { name: key.name, mayWrite: namePatternMatcher(key.indices) } }),
  };
}

/** An operation the gateway takes: its bulk lines, and what its answer names. */
export interface AcceptedOp {
  ok: true;
  /** The action key of its answer: what Elasticsearch would name it (an index with op_type create: `create`). */
  replyAction: BulkAction;
  index: string;
  id: string;
  /** Its action line as it goes to Elasticsearch, without the newline. */
  action: string;
  /** Its source line as sent; undefined for a delete. */
  source: Buffer | undefined;
}

/** An operation refused per item, answered in Elasticsearch's shape and never sent. */
export interface RefusedOp {
  ok: false;
  replyAction: BulkAction;
  index: string | undefined;
  id: string | null;
  status: number;
  error: Record<string, unknown>;
}

export type PreparedOp = AcceptedOp | RefusedOp;

const DATE_MATH = /^<.*>$/;

function refused(op: BulkOp, status: number, type: string, reason: string, extra: Record<string, unknown> = {}): RefusedOp {
  return { ok: false, replyAction: replyActionOf(op), index: op.index, id: op.id ?? null, status, error: { type, reason, ...extra } };
}

function replyActionOf(op: BulkOp): BulkAction {
  return op.action === 'index' && op.extra.op_type === 'create' ? 'create' : op.action;
}

function hasKeys(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
}

/** Why an index is refused, or undefined: the same for every item naming it. */
function indexRefusal(index: string, access: EsApiAccess): [number, string, string, Record<string, unknown>] | undefined {
  if (DATE_MATH.test(index)) return [400, 'illegal_argument_exception', `this gateway does not resolve date math in index names: [${index}]; name the index`, { index }];
  const bad = indexNameProblem(index);
  if (bad !== undefined) return [400, bad.type, bad.reason, { index_uuid: '_na_', index }];
  if (!access.mayWrite(index)) return [403, 'security_exception', `this gateway does not let the Elasticsearch-compatible API write to [${index}] (GATEWAY_ES_API_INDICES)`, {}];
  if (access.key !== undefined && !access.key.mayWrite(index)) return [403, 'security_exception', `action [indices:data/write/bulk[s]] is unauthorized for API key [${access.key.name}] on indices [${index}]`, {}];
  return undefined;
}

/** Checks each operation and gives it its action line, in order. */
export function prepareOps(ops: readonly BulkOp[], access: EsApiAccess, newId: IdGenerator): PreparedOp[] {
  // Bodies name few indices: each is checked, and its JSON made, once per body.
  const indices = new Map<string, { refusal: ReturnType<typeof indexRefusal>; json: string }>();
  return ops.map((op): PreparedOp => {
    // The parser refuses a request with an operation lacking an index, so every op has one here.
    const index = op.index as string;
    let known = indices.get(index);
    if (known === undefined) {
      known = { refusal: indexRefusal(index, access), json: JSON.stringify(index) };
      indices.set(index, known);
    }
    if (known.refusal !== undefined) return refused(op, ...known.refusal);
    if (op.pipeline !== undefined && op.pipeline !== '_none' && !access.pipelineAllowed(op.pipeline)) {
      return refused(op, 400, 'illegal_argument_exception', `pipeline [${op.pipeline}] is not one this gateway allows (GATEWAY_ES_API_PIPELINES)`);
    }
    const id = op.id ?? newId();
    // Without an id, Elasticsearch would make one and create; the gateway's id is time-ordered
    // and fixed before the first attempt, so a retried or replayed send cannot index it twice.
    const action: BulkAction = op.id === undefined && op.action === 'index' ? 'create' : op.action;
    let more = '';
    if (op.routing !== undefined || op.pipeline !== undefined || op.requireAlias || hasKeys(op.extra)) {
      const { op_type: _opType, ...extra } = op.extra;
      const rest: Record<string, unknown> = {};
      if (op.routing !== undefined) rest.routing = op.routing;
      if (op.pipeline !== undefined) rest.pipeline = op.pipeline;
      if (op.requireAlias) rest.require_alias = true;
      Object.assign(rest, action === 'create' ? extra : op.extra);
      const json = JSON.stringify(rest);
      if (json !== '{}') more = `,${json.slice(1, -1)}`;
    }
    // The gateway's ids are plain base32: only a client's id needs escaping.
    const idJson = op.id === undefined ? `"${id}"` : JSON.stringify(id);
    const line = `{"${action}":{"_index":${known.json},"_id":${idJson}${more}}}`;
    return { ok: true, replyAction: replyActionOf(op), index, id, action: line, source: op.source };
  });
}

/** The accepted operations as bulk lines: each action line, then its source line (none for a delete), in one buffer. */
export function encodeOps(ops: readonly AcceptedOp[]): BulkLines {
  const n = ops.length;
  const op = (i: number) => ops[i] as AcceptedOp;
  const lineStarts = new Uint32Array(n + 1);
  const sourceStarts = new Uint32Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) size += Buffer.byteLength(op(i).action) + 1 + (op(i).source === undefined ? 0 : (op(i).source as Buffer).length + 1);
  const bulk = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const { action, source } = op(i);
    lineStarts[i] = at;
    at += bulk.write(action, at, 'utf8');
    bulk[at++] = 0x0a;
    sourceStarts[i] = at;
    if (source !== undefined) {
      bulk.set(source, at);
      at += source.length;
      bulk[at++] = 0x0a;
    }
  }
  lineStarts[n] = at;
  return { bulk, lineStarts, sourceStarts, ...idIndexColumns(n, (i) => op(i).id, (i) => op(i).index) };
}
