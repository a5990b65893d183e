// Parses an Elasticsearch bulk request body (`POST /_bulk`, `POST /{index}/_bulk`) into operations,
// and answers a malformed body as Elasticsearch 8.19 does (status, error type, reason), so a client
// sees no difference. Pure. Line boundaries are found on the Buffer; only action lines, and update
// bodies (which Elasticsearch itself parses up front), are tokenized; index/create sources stay
// subarrays of the body, never parsed or copied: Elasticsearch reports a bad source per item.
// The tokenizer (es-json-cursor.ts) mimics Jackson, which Elasticsearch parses with.
import { CR, EsFailure, iae, JsonCursor, JsonFailure, LF, type Cause, type Tok } from './es-json-cursor.ts';

export type BulkAction = 'create' | 'index' | 'update' | 'delete';
export interface BulkOp {
  action: BulkAction;
  /** From the action line, else the URL's {index}; undefined when neither gives one. */
  index: string | undefined;
  id: string | undefined;
  routing: string | undefined;
  pipeline: string | undefined;
  requireAlias: boolean;
  /** Other metadata of the action line, as sent (op_type, version, version_type, if_seq_no,
   *  if_primary_term, retry_on_conflict, dynamic_templates, require_data_stream,
   *  list_executed_pipelines, _source); integers beyond 2^53 are kept as their decimal text. */
  extra: Record<string, unknown>;
  /** The source line without its newline or a CR before it (as ES slices it); undefined for delete. */
  source: Buffer | undefined;
  /** 1-based line number of the action line. */
  line: number;
}
/** The URL's defaults; requireDataStream (`?require_data_stream=`) is an addition: ES refuses it with updates. */
export interface BulkDefaults { index?: string; routing?: string; pipeline?: string; requireAlias?: boolean; requireDataStream?: boolean }
/** Elasticsearch's whole-request error body: { error: { root_cause: [...], type, reason, ... }, status } */
export interface EsErrorBody { error: { root_cause: { type: string; reason: string }[]; type: string; reason: string; [k: string]: unknown }; status: number }
export type ParsedBulk = { ok: true; ops: BulkOp[] } | { ok: false; status: number; body: EsErrorBody };

const ACTIONS = new Set<string>(['create', 'index', 'update', 'delete']);
const VERSION_TYPES: Record<string, string> = { internal: 'INTERNAL', external: 'EXTERNAL', external_gt: 'EXTERNAL', external_gte: 'EXTERNAL_GTE' };
const MATCH_ANY = -3;
const MATCH_DELETED = -4;
const UNASSIGNED_SEQ_NO = -2;


/** Elasticsearch's wrapping of a Jackson error, by kind. */
function esFailureOf(e: JsonFailure): EsFailure {
  if (e.kind === 'eof') return new EsFailure('x_content_e_o_f_exception', `[${e.at}] Unexpected end of file`, e.esCause());
  return new EsFailure('x_content_parse_exception', `[${e.at}] ${e.message}`, e.esCause());
}

function errorBody(e: EsFailure): EsErrorBody {
  const error: EsErrorBody['error'] = { root_cause: [{ type: e.type, reason: e.message }], type: e.type, reason: e.message };
  if (e.causedBy) error.caused_by = e.causedBy;
  return { error, status: 400 };
}

export function parseBulkBody(body: Buffer, defaults: BulkDefaults): ParsedBulk {
  try {
    if (body.length === 0) throw new EsFailure('parse_exception', 'request body is required');
    return { ok: true, ops: parseLines(body, defaults) };
  } catch (e) {
    if (e instanceof JsonFailure) return { ok: false, status: 400, body: errorBody(esFailureOf(e)) };
    if (e instanceof EsFailure) return { ok: false, status: 400, body: errorBody(e) };
    throw e;
  }
}

/** What whole-request validation needs of an op beyond BulkOp. */
interface Meta { version: number; versionType: string; ifSeqNo: number; ifPrimaryTerm: number; retryOnConflict: number; create: boolean }
interface UpdateBody { doc: boolean; script: boolean; upsert: boolean; docAsUpsert: boolean }

function parseLines(body: Buffer, d: BulkDefaults): BulkOp[] {
  const ops: BulkOp[] = [];
  const problems: string[] = [];
  const cur = new JsonCursor();
  const meta: Meta = { version: 0, versionType: '', ifSeqNo: 0, ifPrimaryTerm: 0, retryOnConflict: 0, create: false };
  let pending: BulkOp | undefined;
  let from = 0;
  let line = 0;
  for (;;) {
    const nl = body.indexOf(LF, from);
    if (nl === -1) {
      if (from !== body.length) throw iae('The bulk request must be terminated by a newline [\\n]');
      break;
    }
    line++;
    if (pending === undefined) {
      const op = fastAction(body, from, nl, line, d, meta) ?? parseAction(cur.reset(body, from, nl), line, d, meta);
      if (op?.action === 'delete') {
        ops.push(op);
        validate(op, meta, undefined, problems);
      } else pending = op;
    } else {
      const op = pending;
      op.source = body.subarray(from, nl > from && body[nl - 1] === CR ? nl - 1 : nl);
      const upd = op.action === 'update' ? parseUpdateBody(cur.reset(op.source, 0, op.source.length)) : undefined;
      ops.push(op);
      validate(op, meta, upd, problems);
      pending = undefined;
    }
    from = nl + 1;
  }
  if (ops.length === 0) problems.unshift('no requests added');
  if (problems.length > 0) {
    const reason = problems.map((p, i) => `${i + 1}: ${p};`).join('');
    throw new EsFailure('action_request_validation_exception', `Validation Failed: ${reason}`);
  }
  return ops;
}

/**
 * The action lines shippers send nearly always — `{"create":{}}`, `{"index":{"_index":"logs"}}`,
 * with a plain `_id` — read without the tokenizer: the op and `meta` parseAction would give them,
 * or undefined for any other line (which parseAction then reads). Names with escapes, other
 * metadata or extra spaces are not matched.
 */
const INDEX = '([a-z0-9][a-z0-9._+-]*)';
const ID = '([A-Za-z0-9._:+-]{1,512})';
const PLAIN_ACTION = new RegExp(`^\\{"(create|index)":\\{(?:"_index":"${INDEX}"(?:,"_id":"${ID}")?|"_id":"${ID}"(?:,"_index":"${INDEX}")?)?\\}\\}\\r?$`);
const MAX_PLAIN_ACTION_BYTES = 700;

function fastAction(body: Buffer, from: number, end: number, line: number, d: BulkDefaults, meta: Meta): BulkOp | undefined {
  if (end - from > MAX_PLAIN_ACTION_BYTES || body[from] !== 0x7b) return undefined;
  const m = PLAIN_ACTION.exec(body.toString('latin1', from, end));
  if (m === null) return undefined;
  const action = m[1] as 'create' | 'index';
  meta.version = MATCH_ANY;
  meta.versionType = 'INTERNAL';
  meta.ifSeqNo = UNASSIGNED_SEQ_NO;
  meta.ifPrimaryTerm = meta.retryOnConflict = 0;
  meta.create = action === 'create';
  return { action, index: m[2] ?? m[5] ?? d.index, id: m[3] ?? m[4], routing: d.routing || undefined, pipeline: d.pipeline, requireAlias: d.requireAlias === true, extra: {}, source: undefined, line };
}

const malformed = (line: number, what: string) => iae(`Malformed action/metadata line [${line}], ${what}`);

/** One action line into an op (undefined for a blank line); `meta` is filled for validate(). */
function parseAction(p: JsonCursor, line: number, d: BulkDefaults, meta: Meta): BulkOp | undefined {
  let t = p.next();
  if (t === null) return undefined;
  if (t !== 'START_OBJECT') throw malformed(line, `expected START_OBJECT but found [${t}]`);
  if ((t = p.next()) !== 'FIELD_NAME') throw malformed(line, `expected FIELD_NAME but found [${t}]`);
  const action = p.name;
  if (!ACTIONS.has(action)) throw malformed(line, `expected field [create], [delete], [index] or [update] but found [${action}]`);
  const op: BulkOp = {
    action: action as BulkAction, index: d.index, id: undefined, routing: d.routing || undefined, pipeline: d.pipeline,
    requireAlias: d.requireAlias === true, extra: {}, source: undefined, line,
  };
  meta.version = MATCH_ANY;
  meta.versionType = 'INTERNAL';
  meta.ifSeqNo = UNASSIGNED_SEQ_NO;
  meta.ifPrimaryTerm = meta.retryOnConflict = 0;
  meta.create = action === 'create';
  let requireDataStream = d.requireDataStream === true;
  let dynamicTemplates = false;
  t = p.next();
  if (t === 'START_OBJECT') {
    let field = '';
    while ((t = p.next()) !== 'END_OBJECT') {
      if (t === 'FIELD_NAME') field = p.name;
      else if (t === 'VALUE_STRING' || t === 'VALUE_NUMBER' || t === 'VALUE_BOOLEAN') {
        switch (field) {
          case '_index': op.index = p.text(); break;
          case '_id': op.id = p.text(); break;
          case 'routing': op.routing = p.text() || undefined; break;
          case 'pipeline': op.pipeline = p.text(); break;
          case 'require_alias': op.requireAlias = p.bool(); break;
          case 'op_type': op.extra[field] = p.text(); break;
          case 'version_type': {
            const vt = VERSION_TYPES[p.text()];
            if (vt === undefined) throw iae(`No version type match [${p.text()}]`);
            meta.versionType = vt;
            op.extra[field] = p.text();
            break;
          }
          case 'version': meta.version = p.long(field, op.extra); break;
          case 'if_seq_no': meta.ifSeqNo = p.long(field, op.extra); break;
          case 'if_primary_term': meta.ifPrimaryTerm = p.long(field, op.extra); break;
          case 'retry_on_conflict': meta.retryOnConflict = p.long(field, op.extra, true); break;
          case 'require_data_stream': op.extra[field] = requireDataStream = p.bool(); break;
          case 'list_executed_pipelines': op.extra[field] = p.bool(); break;
          case '_source': op.extra[field] = t === 'VALUE_BOOLEAN' ? p.text() === 'true' : p.text(); break;
          default: throw iae(`Action/metadata line [${line}] contains an unknown parameter [${field}]`);
        }
      } else if (t === 'START_OBJECT' && field === 'dynamic_templates') {
        const templates = p.mapStrings();
        dynamicTemplates = Object.keys(templates).length > 0;
        op.extra[field] = templates;
      } else if (t === 'START_OBJECT' && field === '_source') {
        const text = p.skipChildren(true) as string;
        try {
          op.extra[field] = JSON.parse(text) as unknown;
        } catch {
          op.extra[field] = text; // it has comments, which Jackson allows and JSON.parse does not
        }
      } else if (t !== 'VALUE_NULL') {
        throw malformed(line, `expected a simple value for field [${field}] but found [${t}]`);
      }
    }
  } else if (t !== 'END_OBJECT') {
    throw malformed(line, `expected START_OBJECT or END_OBJECT but found [${t}]`);
  }
  // Elasticsearch 8 only warns about a second key, a missing closing brace or trailing data; a
  // syntax error in the one token it reads past the action still fails the request.
  try {
    t = p.next();
  } catch (e) {
    if (e instanceof JsonFailure && e.kind === 'eof') t = null;
    else throw e;
  }
  if (t === 'END_OBJECT') p.next();
  if (action === 'delete' && dynamicTemplates) throw iae(`Delete request in line [${line}] does not accept dynamic_templates`);
  if (action === 'update') {
    if (meta.version !== MATCH_ANY || meta.versionType !== 'INTERNAL') {
      throw iae('Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead');
    }
    if (requireDataStream) throw iae('Update requests do not support the `require_data_stream` flag, as data streams do not support update operations');
    if (dynamicTemplates) throw iae(`Update request in line [${line}] does not accept dynamic_templates`);
  }
  if (meta.ifSeqNo < 0 && meta.ifSeqNo !== UNASSIGNED_SEQ_NO) throw iae(`sequence numbers must be non negative. got [${meta.ifSeqNo}].`);
  if (meta.ifPrimaryTerm < 0) throw iae(`primary term must be non negative. got [${meta.ifPrimaryTerm}]`);
  if (action === 'index' && op.extra.op_type === 'create') meta.create = true;
  return op;
}

const UPDATE_FIELDS: Record<string, readonly Tok[]> = {
  doc: ['START_OBJECT'], upsert: ['START_OBJECT'], script: ['START_OBJECT', 'VALUE_STRING'],
  scripted_upsert: ['VALUE_BOOLEAN', 'VALUE_STRING'], doc_as_upsert: ['VALUE_BOOLEAN', 'VALUE_STRING'],
  detect_noop: ['VALUE_BOOLEAN', 'VALUE_STRING'], _source: ['START_OBJECT', 'START_ARRAY', 'VALUE_BOOLEAN', 'VALUE_STRING'],
};

/** Elasticsearch's UpdateRequest parser: an object of known fields; what follows it is ignored. */
function parseUpdateBody(p: JsonCursor): UpdateBody {
  const fail = (loc: string, what: string, cause?: Cause) => new EsFailure('x_content_parse_exception', `[${loc}] [UpdateRequest] ${what}`, cause);
  const first = p.next();
  if (first !== 'START_OBJECT') throw fail(first === null ? '1:0' : p.location(), `Expected START_OBJECT but was: ${first}`);
  const seen: UpdateBody = { doc: false, script: false, upsert: false, docAsUpsert: false };
  while (p.next() !== 'END_OBJECT') {
    const field = p.name;
    const allowed = UPDATE_FIELDS[field];
    if (allowed === undefined) throw fail(p.location(), `unknown field [${field}]${suggest(field, Object.keys(UPDATE_FIELDS))}`);
    const t = p.next() as Tok;
    if (!allowed.includes(t)) throw fail(p.location(), `${field} doesn't support values of type: ${t}`);
    try {
      if (t === 'START_OBJECT' || t === 'START_ARRAY') p.skipChildren();
      else if (allowed[0] === 'VALUE_BOOLEAN' && p.bool() && field === 'doc_as_upsert') seen.docAsUpsert = true;
    } catch (e) {
      if (e instanceof JsonFailure) throw fail(p.location(), `failed to parse field [${field}]`, e.esCause());
      if (e instanceof EsFailure) throw fail(p.location(), `failed to parse field [${field}]`, { type: e.type, reason: e.message });
      throw e;
    }
    if (field === 'doc' || field === 'script' || field === 'upsert') seen[field] = true;
  }
  return seen;
}

/** ObjectParser's " did you mean" suffix: candidates more than half similar by Levenshtein distance. */
function suggest(field: string, candidates: string[]): string {
  const scored: [number, string][] = [];
  for (const c of candidates) {
    let prev = Array.from({ length: c.length + 1 }, (_, j) => j);
    for (let i = 1; i <= field.length; i++) {
      const cur = [i];
      for (let j = 1; j <= c.length; j++) {
        const cost = field[i - 1] === c[j - 1] ? 0 : 1;
        cur[j] = Math.min((cur[j - 1] as number) + 1, (prev[j] as number) + 1, (prev[j - 1] as number) + cost);
      }
      prev = cur;
    }
    const score = 1 - (prev[c.length] as number) / Math.max(field.length, c.length);
    if (score > 0.5) scored.push([score, c]);
  }
  if (scored.length === 0) return '';
  scored.sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? -1 : 1));
  const keys = scored.map((s) => s[1]);
  return keys.length === 1 ? ` did you mean [${keys[0]}]?` : ` did you mean any of [${keys.join(', ')}]?`;
}

/** The item's part of BulkRequest.validate(), in Elasticsearch's order of checks. */
function validate(op: BulkOp, m: Meta, upd: UpdateBody | undefined, out: string[]): void {
  if (op.index === undefined) out.push('index is missing');
  const version = m.create && m.version === MATCH_ANY ? MATCH_DELETED : m.version;
  if (op.action === 'index' || op.action === 'create') {
    if (m.create) {
      if (m.versionType !== 'INTERNAL') return void out.push('create operations only support internal versioning. use index instead');
      if (version !== MATCH_DELETED) return void out.push('create operations do not support explicit versions. use index instead');
      if (m.ifSeqNo !== UNASSIGNED_SEQ_NO || m.ifPrimaryTerm !== 0) return void out.push('create operations do not support compare and set. use index instead');
    }
    if (op.id === undefined && (m.versionType !== 'INTERNAL' || (version !== MATCH_DELETED && version !== MATCH_ANY))) {
      out.push('an id must be provided if version type or value are set');
    }
  } else if (!op.id) out.push('id is missing');
  const internal = m.versionType === 'INTERNAL';
  if (internal ? version <= 0 && version !== MATCH_ANY && version !== MATCH_DELETED : version < 0) {
    out.push(`illegal version value [${version}] for version type [${m.versionType}]`);
  }
  if (internal && version !== MATCH_ANY && version !== MATCH_DELETED) {
    out.push('internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead');
  }
  if (m.ifSeqNo !== UNASSIGNED_SEQ_NO && (!internal || version !== MATCH_ANY)) out.push('compare and write operations can not use versioning');
  if (m.ifPrimaryTerm === 0 && m.ifSeqNo !== UNASSIGNED_SEQ_NO) out.push('ifSeqNo is set, but primary term is [0]');
  if (m.ifPrimaryTerm !== 0 && m.ifSeqNo === UNASSIGNED_SEQ_NO) out.push(`ifSeqNo is unassigned, but primary term is [${m.ifPrimaryTerm}]`);
  if (upd !== undefined) {
    if (m.ifSeqNo !== UNASSIGNED_SEQ_NO) {
      if (m.retryOnConflict > 0) out.push('compare and write operations can not be retried');
      if (upd.docAsUpsert) out.push('compare and write operations can not be used with upsert');
      if (upd.upsert) out.push("upsert requests don't support `if_seq_no` and `if_primary_term`");
    }
    if (!upd.script && !upd.doc) out.push('script or doc is missing');
    if (upd.script && upd.doc) out.push("can't provide both script and doc");
    if (!upd.doc && upd.docAsUpsert) out.push('doc must be specified if doc_as_upsert is enabled');
  }
  const idBytes = op.id === undefined || op.action === 'delete' ? 0 : Buffer.byteLength(op.id);
  if (idBytes > 512) out.push(`id [${op.id}] is too long, must be no longer than 512 bytes but was: ${idBytes}`);
  if (op.action !== 'update' && op.action !== 'delete' && op.pipeline === '') out.push('pipeline cannot be an empty string');
}
