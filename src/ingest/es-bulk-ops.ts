// Operations of the Elasticsearch-compatible API on their way into the pipeline: each checked
// against Elasticsearch's index-name rules and the gateway's own (the indices and ingest
// pipelines the configuration lets this API use), given the gateway's time-ordered id when it has
// none (an `index` without `_id` becomes a `create`), and written as its bulk lines. Pure.
import type { BulkAction, BulkOp } from './es-bulk-request.ts';
import { indexNameProblem } from './es-index-name.ts';
import type { IdGenerator } from './ids.ts';

export interface EsApiAccess {
  /** Whether this API may write to the index (or data stream). */
  mayWrite(index: string): boolean;
  pipelineAllowed(pipeline: string): boolean;
}

/** An operation the gateway takes: its bulk lines, and what its answer names. */
export interface AcceptedOp {
  ok: true;
  /** The action key of its answer: what Elasticsearch would name it (an index with op_type create: `create`). */
  replyAction: BulkAction;
  index: string;
  id: string;
  /** Its source line as sent (empty for a delete). */
  source: Buffer;
  /** Action line and source line, each with its newline: what goes to Elasticsearch. */
  lines: Buffer;
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

/**
 * An index pattern list as Elasticsearch writes one (`logs-*,metrics-*,-.*`): a name is allowed
 * when a pattern matches it and no exclusion (`-pattern`) does. `*` matches any characters.
 */
export function indexPatternMatcher(patterns: readonly string[]): (index: string) => boolean {
  const toRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  const include = patterns.filter((p) => !p.startsWith('-')).map(toRegExp);
  const exclude = patterns.filter((p) => p.startsWith('-')).map((p) => toRegExp(p.slice(1)));
  return (index) => include.some((re) => re.test(index)) && !exclude.some((re) => re.test(index));
}

function refused(op: BulkOp, status: number, type: string, reason: string, extra: Record<string, unknown> = {}): RefusedOp {
  return { ok: false, replyAction: replyActionOf(op), index: op.index, id: op.id ?? null, status, error: { type, reason, ...extra } };
}

function replyActionOf(op: BulkOp): BulkAction {
  return op.action === 'index' && op.extra.op_type === 'create' ? 'create' : op.action;
}

/** Checks and encodes each operation, in order. */
export function prepareOps(ops: readonly BulkOp[], access: EsApiAccess, newId: IdGenerator): PreparedOp[] {
  return ops.map((op): PreparedOp => {
    // The parser refuses a request with an operation lacking an index, so every op has one here.
    const index = op.index as string;
    if (DATE_MATH.test(index)) return refused(op, 400, 'illegal_argument_exception', `this gateway does not resolve date math in index names: [${index}]; name the index`, { index });
    const bad = indexNameProblem(index);
    if (bad !== undefined) return refused(op, 400, bad.type, bad.reason, { index_uuid: '_na_', index });
    if (!access.mayWrite(index)) {
      return refused(op, 403, 'security_exception', `this gateway does not let the Elasticsearch-compatible API write to [${index}] (GATEWAY_ES_API_INDICES)`);
    }
    if (op.pipeline !== undefined && op.pipeline !== '_none' && !access.pipelineAllowed(op.pipeline)) {
      return refused(op, 400, 'illegal_argument_exception', `pipeline [${op.pipeline}] is not one this gateway allows (GATEWAY_ES_API_PIPELINES)`);
    }
    const id = op.id ?? newId();
    // Without an id, Elasticsearch would make one and create; the gateway's id is time-ordered
    // and fixed before the first attempt, so a retried or replayed send cannot index it twice.
    const action: BulkAction = op.id === undefined && op.action === 'index' ? 'create' : op.action;
    const { op_type: _opType, ...extra } = op.extra;
    const meta: Record<string, unknown> = { _index: index, _id: id };
    if (op.routing !== undefined) meta.routing = op.routing;
    if (op.pipeline !== undefined) meta.pipeline = op.pipeline;
    if (op.requireAlias) meta.require_alias = true;
    Object.assign(meta, action === 'create' ? extra : op.extra);
    const actionLine = Buffer.from(`${JSON.stringify({ [action]: meta })}\n`);
    const source = op.source ?? Buffer.alloc(0);
    const lines = op.source === undefined ? actionLine : Buffer.concat([actionLine, source, NEWLINE]);
    return { ok: true, replyAction: replyActionOf(op), index, id, source, lines };
  });
}

const NEWLINE = Buffer.from('\n');
