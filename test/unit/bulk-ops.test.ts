// Elasticsearch bulk operations (kind 'op', from the Elasticsearch-compatible API) in the model:
// their own action lines in a block, kept whole by the spool, and verdicts that keep what
// Elasticsearch said of them.
import { describe, expect, it } from 'vitest';
import { encodeLinesOf } from '../../src/model/bulk-lines.ts';
import { blockOfEvents, opsIn, idAt, linesAt, newBlock, sourceAt, wholeBlock } from '../../src/model/event-block.ts';
import { spoolBatchOfRanges } from '../../src/pipeline/spool-batch.ts';
import { decodeSpoolEvent } from '../../src/spool/spool-event.ts';
import { encodeSpoolEvent } from '../../src/spool/event-records.ts';
import { parseBulkResponseText } from '../../src/sink/bulk-response.ts';
import { encodeOps, prepareOps, type AcceptedOp } from '../../src/ingest/es-bulk-ops.ts';
import type { BulkOp } from '../../src/ingest/es-bulk-request.ts';
import { bulkAnswerJson } from '../../src/http/es-compat-answers.ts';
import { frameBulkBody } from '../../src/ingest/es-bulk-framing.ts';

const indexOp = Buffer.from('{"index":{"_index":"logs","_id":"a","routing":"r1"}}\n{"n":1}\n');
const deleteOp = Buffer.from('{"delete":{"_index":"logs","_id":"b"}}\n');

describe('operations in bulk lines', () => {
  it('are written as they are, between gateway creates, with their sources found', () => {
    const lines = encodeLinesOf([
      { index: 'logs', id: 'x', source: Buffer.from('{"m":0}') },
      { index: 'logs', id: 'a', source: Buffer.from('{"n":1}'), lines: indexOp },
      { index: 'logs', id: 'b', source: Buffer.alloc(0), lines: deleteOp },
    ]);
    expect(lines.bulk.toString()).toBe(`{"create":{"_index":"logs","_id":"x"}}\n{"m":0}\n${indexOp}${deleteOp}`);
    const block = newBlock(lines, { stream: 'es', acceptedAt: 1, kind: 'op' }, { onDone: () => undefined });
    expect(sourceAt(block, 1).toString()).toBe('{"n":1}');
    expect(sourceAt(block, 2).toString()).toBe('');
    expect(linesAt(block, 2).toString()).toBe(deleteOp.toString());
    expect([idAt(block, 0), idAt(block, 1), idAt(block, 2)]).toEqual(['x', 'a', 'b']);
    expect(opsIn([wholeBlock(block)])).toBe('detailed');
    expect(opsIn([wholeBlock(newBlock(lines, { stream: 'es', acceptedAt: 1, kind: 'event' }, { onDone: () => undefined }))])).toBe('events');
    // Nobody waits (GATEWAY_ES_API_ACK=accepted): statuses, errors and results are enough.
    expect(opsIn([wholeBlock(newBlock(lines, { stream: 'es', acceptedAt: 1, kind: 'op' }))])).toBe('ops');
  });

  it('survive the spool whole: appended as their lines, replayed as the same bytes', () => {
    const block = blockOfEvents([
      { index: 'logs', id: 'a', source: indexOp, stream: 'es', acceptedAt: 5, kind: 'op' },
      { index: 'logs', id: 'b', source: deleteOp, stream: 'es', acceptedAt: 5, kind: 'op' },
      { index: 'logs', id: 'c', source: Buffer.from('{"k":2}'), stream: 'app', acceptedAt: 5, kind: 'event' },
    ]);
    const batch = spoolBatchOfRanges([wholeBlock(block)]);
    const decoded = [0, 1, 2].map((k) => decodeSpoolEvent(encodeSpoolEvent({ id: batch.id(k), index: batch.index(k), stream: batch.stream(k), acceptedAt: batch.acceptedAt(k), kind: batch.kind(k), source: batch.source(k) })));
    expect(decoded.map((e) => e.kind)).toEqual(['op', 'op', 'event']);
    expect(decoded[0]?.source.toString()).toBe(indexOp.toString());
    const replayed = blockOfEvents(decoded);
    expect(replayed.bulk.toString()).toBe(block.bulk.toString());
    expect(replayed.bulk.toString()).toBe(`${indexOp}${deleteOp}{"create":{"_index":"logs","_id":"c"}}\n{"k":2}\n`);
  });
});

describe('verdicts of operations', () => {
  const response = JSON.stringify({ errors: true, items: [
    { index: { status: 200, result: 'updated', _version: 3, _seq_no: 7, _primary_term: 1 } },
    { delete: { status: 404, result: 'not_found', _version: 1, _seq_no: 8, _primary_term: 1 } },
    { create: { status: 409, error: { type: 'version_conflict_engine_exception', reason: '[a]: version conflict, document already exists (current version [3])' } } },
    { update: { status: 404, error: { type: 'document_missing_exception', reason: '[z]: document missing' } } },
  ] });

  it('keep result, version and a 409\'s error when the request was detailed', () => {
    expect(parseBulkResponseText(response, 4, true)).toEqual([
      { kind: 'created', status: 200, detail: { result: 'updated', version: 3, seqNo: 7, primaryTerm: 1, shards: undefined, index: undefined } },
      { kind: 'created', status: 404, detail: { result: 'not_found', version: 1, seqNo: 8, primaryTerm: 1, shards: undefined, index: undefined } },
      { kind: 'duplicate', status: 409, error: { type: 'version_conflict_engine_exception', reason: '[a]: version conflict, document already exists (current version [3])', es: { type: 'version_conflict_engine_exception', reason: '[a]: version conflict, document already exists (current version [3])' } } },
      { kind: 'permanent', status: 404, error: { type: 'document_missing_exception', reason: '[z]: document missing', es: { type: 'document_missing_exception', reason: '[z]: document missing' } } },
    ]);
  });

  it('are what they always were for the gateway\'s own creates', () => {
    expect(parseBulkResponseText(response, 4)?.map((v) => v.kind)).toEqual(['created', 'created', 'duplicate', 'permanent']);
    expect(parseBulkResponseText('{"errors":false,"items":[{"create":{"result":"created","status":201}},{"create":{"result":"created","status":201}}]}', 2)).toEqual([{ kind: 'created', status: 201 }, { kind: 'created', status: 201 }]);
    expect(parseBulkResponseText(response, 4)?.[2]).toEqual({ kind: 'duplicate', status: 409 });
  });
});

describe('operations of the Elasticsearch-compatible API', () => {
  const access = { mayWrite: (i: string) => !i.startsWith('secret'), pipelineAllowed: (p: string) => p === 'ok' };
  const op = (o: Partial<BulkOp>): BulkOp => ({ action: 'index', index: 'logs', id: undefined, routing: undefined, pipeline: undefined, requireAlias: false, extra: {}, source: Buffer.from('{"a":1}'), line: 1, ...o });

  it('get their action lines: ids given to those without, index without id as create, metadata kept', () => {
    const prepared = prepareOps([
      op({}),
      op({ id: 'q"1', routing: 'r', pipeline: 'ok', requireAlias: true, extra: { if_seq_no: 3, if_primary_term: 1 } }),
      op({ action: 'delete', id: 'd', source: undefined }),
      op({ action: 'index', id: 'x', extra: { op_type: 'create' } }),
    ], access, () => '01M8TNKMA9DCM2M8DA00000001');
    expect(prepared.map((p) => (p.ok ? [p.replyAction, p.action] : p))).toEqual([
      ['index', '{"create":{"_index":"logs","_id":"01M8TNKMA9DCM2M8DA00000001"}}'],
      ['index', '{"index":{"_index":"logs","_id":"q\\"1","routing":"r","pipeline":"ok","require_alias":true,"if_seq_no":3,"if_primary_term":1}}'],
      ['delete', '{"delete":{"_index":"logs","_id":"d"}}'],
      ['create', '{"index":{"_index":"logs","_id":"x","op_type":"create"}}'],
    ]);
    const lines = encodeOps(prepared.filter((p): p is AcceptedOp => p.ok));
    expect(lines.bulk.toString()).toBe(`${(prepared as AcceptedOp[]).map((p) => p.action + '\n' + (p.source === undefined ? '' : `${p.source}\n`)).join('')}`);
    const block = newBlock(lines, { stream: 'es', acceptedAt: 1, kind: 'op' });
    expect([sourceAt(block, 1).toString(), sourceAt(block, 2).toString(), idAt(block, 1)]).toEqual(['{"a":1}', '', 'q"1']);
  });

  it('are refused per item for a bad, closed or date-math index and a pipeline not allowed', () => {
    const prepared = prepareOps([op({ index: 'Bad' }), op({ index: 'secret-1' }), op({ index: '<logs-{now/d}>' }), op({ pipeline: 'other' })], access, () => 'id');
    expect(prepared.map((p) => (p.ok ? 'ok' : [p.status, p.error.type]))).toEqual([
      [400, 'invalid_index_name_exception'], [403, 'security_exception'], [400, 'illegal_argument_exception'], [400, 'illegal_argument_exception'],
    ]);
  });
});

describe('the bulk answer', () => {
  it('is Elasticsearch\'s shape, written as text: accepted, created with its detail, errors, refusals', () => {
    const body = [
      '{"index":{"_index":"logs","_id":"a"}}', '{}',
      '{"create":{"_index":"logs","_id":"b"}}', '{}',
      '{"index":{"_index":"Bad"}}', '{}',
      '{"delete":{"_index":"logs","_id":"c"}}',
      '{"create":{"_index":"logs","_id":"d"}}', '{}', '',
    ].join('\n');
    const framed = frameBulkBody(Buffer.from(body), {}, { mayWrite: () => true, pipelineAllowed: () => false }, () => 'generated');
    if (!framed.ok) throw new Error('refused');
    const answer = JSON.parse(bulkAnswerJson(framed, [
      { result: 'created', status: 200, detail: { result: 'updated', version: 2, seqNo: 5, primaryTerm: 1, shards: { total: 2, successful: 1, failed: 0 }, index: 'logs' } },
      { result: 'duplicate', status: 409, error: { type: 'version_conflict_engine_exception', reason: 'exists', es: { type: 'version_conflict_engine_exception', reason: 'exists', index: 'logs' } } },
      { result: 'created', status: 404, detail: { result: 'not_found', version: 1 } },
      undefined,
    ], 7));
    expect(answer).toEqual({ took: 7, errors: true, items: [
      { index: { _index: 'logs', _id: 'a', _version: 2, result: 'updated', _shards: { total: 2, successful: 1, failed: 0 }, _seq_no: 5, _primary_term: 1, status: 200 } },
      { create: { _index: 'logs', _id: 'b', status: 409, error: { type: 'version_conflict_engine_exception', reason: 'exists', index: 'logs' } } },
      { index: { _index: 'Bad', _id: null, status: 400, error: { type: 'invalid_index_name_exception', reason: 'Invalid index name [Bad], must be lowercase', index_uuid: '_na_', index: 'Bad' } } },
      { delete: { _index: 'logs', _id: 'c', _version: 1, result: 'not_found', status: 404 } },
      { create: { _index: 'logs', _id: 'd', status: 202, result: 'accepted' } },
    ] });
  });
});
