// Unit tests for the Elasticsearch bulk-body parser and index-name rules. Every expected status,
// error type and reason here was recorded from a real Elasticsearch 8.19.21 node (security off),
// by sending the same body to POST /h21-a/_bulk (or /_bulk where the URL gives no index).

import { describe, expect, it } from 'vitest';
import { parseBulkBody, type BulkDefaults, type BulkOp } from '../../src/ingest/es-bulk-request.ts';
import { indexNameProblem } from '../../src/ingest/es-index-name.ts';

const S = '{"a":1}\n';
const VALID = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
/** Jackson's tail on a reason: the position, with the line's text as its source. */
const at = (text: string, line: number, col: number) => `\n at [Source: (byte[])"${text}"; line: ${line}, column: ${col}]`;
const X = 'illegal_argument_exception';
const V = 'action_request_validation_exception';
const P = 'x_content_parse_exception';
const E = 'x_content_e_o_f_exception';

function ops(body: string | Buffer, d: BulkDefaults = { index: 'h21-a' }): BulkOp[] {
  const r = parseBulkBody(Buffer.isBuffer(body) ? body : Buffer.from(body), d);
  if (!r.ok) throw new Error(`unexpected failure: ${r.body.error.reason}`);
  return r.ops;
}

// [case, body, error type, reason, caused_by type] for POST /h21-a/_bulk; all status 400.
const WHOLE_REQUEST: [string, string, string, string, string?][] = [
  ['empty body', '', 'parse_exception', 'request body is required'],
  ['no final newline', `{"index":{}}\n{"a":1}`, X, 'The bulk request must be terminated by a newline [\\n]'],
  ['only spaces, no newline', '   ', X, 'The bulk request must be terminated by a newline [\\n]'],
  ['only a newline', '\n', V, 'Validation Failed: 1: no requests added;'],
  ['index without its source', '{"index":{}}\n', V, 'Validation Failed: 1: no requests added;'],
  ['update without its source', '{"update":{"_id":"1"}}\n', V, 'Validation Failed: 1: no requests added;'],
  ['unknown action', `{"foo":{}}\n${S}`, X, 'Malformed action/metadata line [1], expected field [create], [delete], [index] or [update] but found [foo]'],
  ['action line an array', `[1,2]\n${S}`, X, 'Malformed action/metadata line [1], expected START_OBJECT but found [START_ARRAY]'],
  ['action line a number', `5\n${S}`, X, 'Malformed action/metadata line [1], expected START_OBJECT but found [VALUE_NUMBER]'],
  ['action line a string', `"abc"\n${S}`, X, 'Malformed action/metadata line [1], expected START_OBJECT but found [VALUE_STRING]'],
  ['empty action object', `{}\n${S}`, X, 'Malformed action/metadata line [1], expected FIELD_NAME but found [END_OBJECT]'],
  ['action value null', `{"index":null}\n${S}`, X, 'Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but found [VALUE_NULL]'],
  ['unknown metadata key', `{"index":{"_foo":1}}\n${S}`, X, 'Action/metadata line [1] contains an unknown parameter [_foo]'],
  ['_type', `{"index":{"_type":"_doc"}}\n${S}`, X, 'Action/metadata line [1] contains an unknown parameter [_type]'],
  ['array metadata value', `{"index":{"_id":[1]}}\n${S}`, X, 'Malformed action/metadata line [1], expected a simple value for field [_id] but found [START_ARRAY]'],
  ['object metadata value', `{"index":{"_id":{}}}\n${S}`, X, 'Malformed action/metadata line [1], expected a simple value for field [_id] but found [START_OBJECT]'],
  ['delete then a source', `{"delete":{"_id":"zz"}}\n${S}`, X, 'Malformed action/metadata line [2], expected field [create], [delete], [index] or [update] but found [a]'],
  ['blank line taken as the source', '{"index":{}}\n\n{"a":2}\n', X, 'Malformed action/metadata line [3], expected field [create], [delete], [index] or [update] but found [a]'],
  ['action line cut short', `{"index":\n${S}`, E, '[1:10] Unexpected end of file', 'json_e_o_f_exception'],
  ['cut short, CRLF', '{"index":\r\n{"a":1}\r\n', E, '[2:1] Unexpected end of file', 'json_e_o_f_exception'],
  ['inner object cut short', `{"index":{\n${S}`, E, '[1:11] Unexpected end of file', 'json_e_o_f_exception'],
  ['unterminated string', `{"index":{"_id":"1}}\n${S}`, E, '[1:21] Unexpected end of file', 'json_e_o_f_exception'],
  ['not JSON', `xyz\n${S}`, P, `[1:4] Unrecognized token 'xyz': was expecting ${VALID}${at('xyz', 1, 4)}`, 'json_parse_exception'],
  ['garbage after the action', `{"index":{}} garbage\n${S}`, P, `[1:21] Unrecognized token 'garbage': was expecting ${VALID}${at('{"index":{}} garbage', 1, 21)}`, 'json_parse_exception'],
  ['bad second key', `{"index":{},"create":garbage\n${S}`, P, `[1:29] Unrecognized token 'garbage': was expecting ${VALID}${at('{"index":{},"create":garbage', 1, 29)}`, 'json_parse_exception'],
  ['extra closing brace', `{"index":{}}}\n${S}`, P, `[1:13] Unexpected close marker '}': expected ']' (for root starting at [Source: (byte[])"{"index":{}}}"; line: 1, column: 0])${at('{"index":{}}}', 1, 13)}`, 'json_parse_exception'],
  ['unquoted key', `{index:{}}\n${S}`, P, `[1:2] Unexpected character ('i' (code 105)): was expecting double-quote to start field name${at('{index:{}}', 1, 2)}`, 'json_parse_exception'],
  ['missing comma', `{"index":{"_id":"1" "routing":"r"}}\n${S}`, P, `[1:21] Unexpected character ('"' (code 34)): was expecting comma to separate Object entries${at('{"index":{"_id":"1" "routing":"r"}}', 1, 21)}`, 'json_parse_exception'],
  ['missing colon', `{"index" {}}\n${S}`, P, `[1:10] Unexpected character ('{' (code 123)): was expecting a colon to separate field name and value${at('{"index" {}}', 1, 10)}`, 'json_parse_exception'],
  ['comma then end', `{"index":{},\n${S}`, P, `[1:13] Unexpected end-of-input within/between Object entries${at('{"index":{},', 1, 13)}`, 'json_parse_exception'],
  ['leading zero', `{"index":{"_id":01}}\n${S}`, P, `[1:18] Invalid numeric value: Leading zeroes not allowed${at('{"index":{"_id":01}}', 1, 18)}`, 'json_parse_exception'],
  ['tab inside a string', `{"index":{"_id":"a\tb"}}\n${S}`, P, `[1:19] Illegal unquoted character ((CTRL-CHAR, code 9)): has to be escaped using backslash to be included in string value${at('{"index":{"_id":"a\\u0009b"}}', 1, 19)}`, 'json_parse_exception'],
  ['control character between tokens', `{"index":\u0001{}}\n${S}`, P, `[1:11] Illegal character ((CTRL-CHAR, code 1)): only regular white space (\\r, \\n, \\t) is allowed between tokens${at('{"index":\\u0001{}}', 1, 11)}`, 'json_parse_exception'],
  ['duplicate metadata key', `{"index":{"_id":"a","_id":"b"}}\n${S}`, P, `[1:26] Duplicate field '_id'${at('{"index":{"_id":"a","_id":"b"}}', 1, 26)}`, 'json_parse_exception'],
  ['duplicate action key', `{"index":{},"index":{}}\n${S}`, P, `[1:20] Duplicate field 'index'${at('{"index":{},"index":{}}', 1, 20)}`, 'json_parse_exception'],
  ['version not a number', `{"index":{"version":"abc"}}\n${S}`, X, 'For input string: "abc"'],
  ['version a boolean', `{"index":{"version":true}}\n${S}`, P, `[1:25] Current token (VALUE_TRUE) not numeric, can not use numeric value accessors${at('{"index":{"version":true}}', 1, 25)}`, 'json_parse_exception'],
  ['unknown version_type', `{"index":{"version_type":"bogus"}}\n${S}`, X, 'No version type match [bogus]'],
  ['require_alias "yes"', `{"index":{"require_alias":"yes"}}\n${S}`, X, 'Failed to parse value [yes] as only [true] or [false] are allowed.'],
  ['require_alias 1', `{"index":{"require_alias":1}}\n${S}`, P, `[1:28] Current token (VALUE_NUMBER_INT) not of boolean type${at('{"index":{"require_alias":1}}', 1, 28)}`, 'json_parse_exception'],
  ['retry_on_conflict beyond int', '{"update":{"_id":"1","retry_on_conflict":99999999999}}\n{"doc":{}}\n', P, `[1:53] Numeric value (99999999999) out of range of int (-2147483648 - 2147483647)${at('{"update":{"_id":"1","retry_on_conflict":99999999999}}', 1, 53)}`, 'input_coercion_exception'],
  ['retry_on_conflict "abc"', '{"update":{"_id":"1","retry_on_conflict":"abc"}}\n{"doc":{}}\n', 'number_format_exception', 'For input string: "abc"'],
  ['negative if_seq_no', `{"index":{"_id":"x","if_seq_no":-5,"if_primary_term":1}}\n${S}`, X, 'sequence numbers must be non negative. got [-5].'],
  ['dynamic_templates a string', `{"index":{"dynamic_templates":"x"}}\n${S}`, X, 'Action/metadata line [1] contains an unknown parameter [dynamic_templates]'],
  ['dynamic_templates nested', `{"index":{"dynamic_templates":{"a":{}}}}\n${S}`, X, 'Expected text at 1:36 but found START_OBJECT'],
  ['delete with dynamic_templates', '{"delete":{"_id":"1","dynamic_templates":{"a":"b"}}}\n', X, 'Delete request in line [1] does not accept dynamic_templates'],
  ['update with dynamic_templates', '{"update":{"_id":"1","dynamic_templates":{"a":"b"}}}\n{"doc":{}}\n', X, 'Update request in line [1] does not accept dynamic_templates'],
  ['update with version', '{"update":{"_id":"1","version":3}}\n{"doc":{}}\n', X, 'Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead'],
  ['update with require_data_stream', '{"update":{"_id":"1","require_data_stream":true}}\n{"doc":{}}\n', X, 'Update requests do not support the `require_data_stream` flag, as data streams do not support update operations'],
  ['update body an array', '{"update":{"_id":"1"}}\n[1]\n', P, '[1:1] [UpdateRequest] Expected START_OBJECT but was: START_ARRAY'],
  ['update body a number', '{"update":{"_id":"1"}}\n5\n', P, '[1:1] [UpdateRequest] Expected START_OBJECT but was: VALUE_NUMBER'],
  ['update body a string', '{"update":{"_id":"1"}}\n"x"\n', P, '[1:1] [UpdateRequest] Expected START_OBJECT but was: VALUE_STRING'],
  ['update body blank', '{"update":{"_id":"1"}}\n\n', P, '[1:0] [UpdateRequest] Expected START_OBJECT but was: null'],
  ['update body cut short', '{"update":{"_id":"1"}}\n{"doc":\n', E, '[1:8] Unexpected end of file', 'json_e_o_f_exception'],
  ['update body unknown field', '{"update":{"_id":"1"}}\n{"foo":1}\n', P, '[1:2] [UpdateRequest] unknown field [foo]'],
  ['update body near miss', '{"update":{"_id":"u1"}}\n{"docs":{}}\n', P, '[1:2] [UpdateRequest] unknown field [docs] did you mean [doc]?'],
  ['update doc a number', '{"update":{"_id":"1"}}\n{"doc":5}\n', P, "[1:8] [UpdateRequest] doc doesn't support values of type: VALUE_NUMBER"],
  ['update doc_as_upsert "yes"', '{"update":{"_id":"u1"}}\n{"doc":{},"doc_as_upsert":"yes"}\n', P, '[1:27] [UpdateRequest] failed to parse field [doc_as_upsert]', X],
  ['update doc duplicate key', '{"update":{"_id":"u1"}}\n{"doc":{"a":1,"a":2}}\n', P, '[1:13] [UpdateRequest] failed to parse field [doc]', 'json_parse_exception'],
  ['update doc bad JSON', '{"update":{"_id":"u1"}}\n{"doc":{"a":[1,2,}}\n', P, '[1:18] [UpdateRequest] failed to parse field [doc]', 'json_parse_exception'],
  ['update without doc or script', '{"update":{"_id":"1"}}\n{}\n', V, 'Validation Failed: 1: script or doc is missing;'],
  ['update with doc and script', '{"update":{"_id":"u1"}}\n{"doc":{},"script":"ctx._source.a=1"}\n', V, "Validation Failed: 1: can't provide both script and doc;"],
  ['update without id', '{"update":{}}\n{"doc":{}}\n', V, 'Validation Failed: 1: id is missing;'],
  ['delete with an empty id', '{"delete":{"_id":""}}\n', V, 'Validation Failed: 1: id is missing;'],
  ['if_seq_no with retries', '{"update":{"_id":"u1","if_seq_no":1,"if_primary_term":1,"retry_on_conflict":2}}\n{"doc":{}}\n', V, 'Validation Failed: 1: compare and write operations can not be retried;'],
  ['empty pipeline', `{"index":{"pipeline":""}}\n${S}`, V, 'Validation Failed: 1: pipeline cannot be an empty string;'],
  ['internal version', `{"index":{"_id":"x","version":3}}\n${S}`, V, 'Validation Failed: 1: internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead;'],
  ['if_primary_term alone', `{"index":{"_id":"x","if_primary_term":3}}\n${S}`, V, 'Validation Failed: 1: ifSeqNo is unassigned, but primary term is [3];'],
  ['create with external version', `{"create":{"_id":"x","version":3,"version_type":"external"}}\n${S}`, V, 'Validation Failed: 1: create operations only support internal versioning. use index instead;'],
  ['external version without id', `{"index":{"version":5,"version_type":"external"}}\n${S}`, V, 'Validation Failed: 1: an id must be provided if version type or value are set;'],
  ['several problems', `{"index":{"_id":"x","version":-7,"if_seq_no":1,"pipeline":""}}\n${S}`, V, 'Validation Failed: 1: illegal version value [-7] for version type [INTERNAL];2: internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead;3: compare and write operations can not use versioning;4: ifSeqNo is set, but primary term is [0];5: pipeline cannot be an empty string;'],
];

describe('parseBulkBody: whole-request errors, as Elasticsearch 8.19.21 words them', () => {
  it.each(WHOLE_REQUEST)('%s', (_name, body, type, reason, causedBy) => {
    const r = parseBulkBody(Buffer.from(body), { index: 'h21-a' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: 400, error: { root_cause: [{ type, reason }], type, reason } });
    expect((r.body.error.caused_by as { type: string } | undefined)?.type).toBe(causedBy);
  });

  it('gives Jackson’s whole message as caused_by, and cuts its source snippet at 500 bytes', () => {
    const r = parseBulkBody(Buffer.from(`${'x'.repeat(600)}\n${S}`), {});
    const tail = `\n at [Source: (byte[])"${'x'.repeat(500)}"[truncated 100 bytes]; line: 1, column: 257]`;
    const reason = `Unrecognized token '${'x'.repeat(256)}...': was expecting ${VALID}${tail}`;
    expect(r.ok ? undefined : r.body.error).toEqual({
      root_cause: [{ type: P, reason: `[1:257] ${reason}` }], type: P, reason: `[1:257] ${reason}`,
      caused_by: { type: 'json_parse_exception', reason },
    });
    const eof = parseBulkBody(Buffer.from(`{"index":\n${S}`), {});
    expect(eof.ok ? undefined : eof.body.error.caused_by).toEqual({
      type: 'json_e_o_f_exception', reason: `Unexpected end-of-input within/between Object entries${at('{"index":', 1, 10)}`,
    });
  });

  it('reports a missing index (no URL index) for every item that lacks one, in order', () => {
    const body = `{"index":{}}\n${S}{"create":{}}\n${S}{"delete":{}}\n{"update":{}}\n{"doc":{}}\n`;
    const r = parseBulkBody(Buffer.from(body), {});
    expect(r.ok ? undefined : r.body.error.reason).toBe(
      'Validation Failed: 1: index is missing;2: index is missing;3: index is missing;4: id is missing;5: index is missing;6: id is missing;',
    );
    const id = 'i'.repeat(513);
    const long = parseBulkBody(Buffer.from(`{"index":{"_id":"${id}"}}\n${S}`), { index: 'h21-a' });
    expect(long.ok ? undefined : long.body.error.reason).toBe(`Validation Failed: 1: id [${id}] is too long, must be no longer than 512 bytes but was: 513;`);
  });

  it('validates the URL’s pipeline and require_data_stream like the action line’s', () => {
    const pipeline = parseBulkBody(Buffer.from(`{"index":{}}\n${S}`), { index: 'h21-a', pipeline: '' });
    expect(pipeline.ok ? undefined : pipeline.body.error.reason).toBe('Validation Failed: 1: pipeline cannot be an empty string;');
    const rds = parseBulkBody(Buffer.from('{"update":{"_id":"u1"}}\n{"doc":{}}\n'), { index: 'h21-a', requireDataStream: true });
    expect(rds.ok ? undefined : rds.body.error.type).toBe(X);
  });
});

describe('parseBulkBody: what Elasticsearch accepts', () => {
  it('takes index, id, routing, pipeline and other metadata from the action line', () => {
    const body = '{"index":{"_index":"h21-b","_id":5,"routing":"r","pipeline":"p","require_alias":true,"version":7,"version_type":"external","if_seq_no":null}}\n{"a":1}\n'
      + '{"update":{"_id":"u","retry_on_conflict":3,"_source":{"includes":["a"]}}}\n{"doc":{}}\n'
      + '{"create":{"dynamic_templates":{"a":"b"},"list_executed_pipelines":true,"op_type":"create"}}\n{"b":2}\n';
    const [index, update, create] = ops(body);
    expect(index).toMatchObject({ action: 'index', index: 'h21-b', id: '5', routing: 'r', pipeline: 'p', requireAlias: true, line: 1 });
    expect(index?.extra).toEqual({ version: 7, version_type: 'external' });
    expect(update).toMatchObject({ action: 'update', index: 'h21-a', id: 'u', line: 3, extra: { retry_on_conflict: 3, _source: { includes: ['a'] } } });
    expect(create?.extra).toEqual({ dynamic_templates: { a: 'b' }, list_executed_pipelines: true, op_type: 'create' });
  });

  it('fills from the URL what the action line leaves out; the action line wins', () => {
    const d = { index: 'h21-a', routing: 'ur', pipeline: 'up', requireAlias: true };
    const [a, b] = ops(`{"index":{}}\n${S}{"index":{"_index":"h21-c","routing":"r","pipeline":"p","require_alias":false}}\n${S}`, d);
    expect(a).toMatchObject({ index: 'h21-a', routing: 'ur', pipeline: 'up', requireAlias: true });
    expect(b).toMatchObject({ index: 'h21-c', routing: 'r', pipeline: 'p', requireAlias: false });
    expect(ops(`{"index":{"routing":""}}\n${S}`, { index: 'h21-a', routing: '' })[0]?.routing).toBeUndefined();
  });

  it('is lenient where Elasticsearch 8 is: a second key, no closing brace, trailing data, comments', () => {
    for (const action of ['{"index":{},"create":{}}', '{"index":{}', '{"index":{}} {}', '{"index":{},"x', '{"index":{}} // c', '{"index":/* c */{}}']) {
      expect(ops(`${action}\n${S}`)).toHaveLength(1);
    }
  });

  it('passes a source through unparsed: Elasticsearch rejects a bad one per item, not the request', () => {
    // ES 8.19.21 answers such an item with status 400, document_parsing_exception,
    // "[1:2] failed to parse: [1:6] Unexpected end of file"; an empty source line gets
    // "[0:0] failed to parse, document is empty", an array or scalar "Malformed content, must start with an object".
    const body = Buffer.from(`{"index":{"_id":"bj"}}\n{"a":\n{"index":{}}\n\n{"index":{}}\n[1]\n`);
    expect(ops(body).map((o) => o.source?.toString())).toEqual(['{"a":', '', '[1]']);
    const [first] = ops(body);
    expect(first?.source?.buffer).toBe(body.buffer);
  });

  it('skips blank lines between pairs but counts them, strips CR before LF from sources, drops a last action without source', () => {
    const r = ops(`\n \t\n{"index":{}}\r\n{"a":1}\r\n\r\n{"delete":{"_id":"d"}}\n{"create":{}}\n${S}{"index":{}}\n`);
    expect(r.map((o) => [o.action, o.line, o.source?.toString()])).toEqual([['index', 3, '{"a":1}'], ['delete', 6, undefined], ['create', 7, '{"a":1}']]);
  });

  it('parses 50,000 pairs into 50,000 ops', () => {
    const pair = (i: number) => `{"create":{"_index":"logs","_id":"id-${i}"}}\n{"@timestamp":"2026-01-01T00:00:00Z","n":${i}}\n`;
    const r = ops(Array.from({ length: 50_000 }, (_, i) => pair(i)).join(''), {});
    expect(r).toHaveLength(50_000);
    expect(r[49_999]).toMatchObject({ action: 'create', index: 'logs', id: 'id-49999', line: 99_999 });
  });
});

describe('indexNameProblem: per-item invalid_index_name_exception (status 400), as ES 8.19.21 words it', () => {
  const chars = "must not contain the following characters [' ','\"','*',',','/','<','>','?','\\','|']";
  it.each([
    ['Bad', 'must be lowercase'],
    ['h21-É', 'must be lowercase'],
    ['_h21', "must not start with '_', '-', or '+'"],
    ['-h21', "must not start with '_', '-', or '+'"],
    ['+h21', "must not start with '_', '-', or '+'"],
    ['.', "must not be '.' or '..'"],
    ['..', "must not be '.' or '..'"],
    ...[...'\\/*?"<>|, '].map((c) => [`h21${c}x`, chars]),
    ['h21#x', "must not contain '#'"],
    ['h21:x', "must not contain ':'"],
    ['', 'must not be empty'],
    [`h21-${'a'.repeat(252)}`, 'index name is too long, (256 > 255)'],
    [`h21-é${'a'.repeat(250)}`, 'index name is too long, (256 > 255)'],
    ['Bad#x', "must not contain '#'"],
    ['_#x', "must not contain '#'"],
    ['A b', chars],
    [`Ab${'c'.repeat(260)}`, 'index name is too long, (262 > 255)'],
    ['<h21-bad', chars],
  ])('%j', (name, why) => {
    expect(indexNameProblem(name)).toEqual({ type: 'invalid_index_name_exception', reason: `Invalid index name [${name}], ${why}` });
  });

  it('accepts what ES accepts, and leaves date math to ES', () => {
    for (const name of ['h21-a', `h21-${'a'.repeat(251)}`, '.h21-dot', 'h21-\t', '<h21-{now/d}>']) expect(indexNameProblem(name)).toBeUndefined();
  });
});

describe('the common action lines, read without the tokenizer', () => {
  it('give the same operations as the same lines with spaces (which the tokenizer reads)', () => {
    const lines = ['{"create":{}}', '{"index":{}}', '{"index":{"_index":"logs-a"}}', '{"index":{"_index":"logs","_id":"x1"}}', '{"create":{"_id":"q:1","_index":"l"}}', '{"index":{"_index":"Logs"}}', '{"create":{"_id":"a"}}\r'];
    for (const line of lines) {
      const spaced = line.replace(/^\{/, '{ ').replace(/:/, ' : ');
      const fast = parseBulkBody(Buffer.from(`${line}\n{"a":1}\n`), { index: 'd', routing: 'r', requireAlias: true });
      const slow = parseBulkBody(Buffer.from(`${spaced}\n{"a":1}\n`), { index: 'd', routing: 'r', requireAlias: true });
      expect(fast, line).toEqual(slow);
      expect(fast.ok, line).toBe(true);
    }
  });
});
