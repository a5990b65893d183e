import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { frameBody } from '../../src/ingest/frame-request.ts';
import { transferListOf } from '../../src/ingest/framed-transfer.ts';
import { esApiAccess } from '../../src/ingest/es-bulk-ops.ts';
import { acceptedAt, BULK_ACTIONS, bulkTransferList, frameBulkBody } from '../../src/ingest/es-bulk-framing.ts';
import { createStreamRegistry } from '../../src/ingest/stream-context.ts';
import { idAt, indexAt, newBlock, sourceAt } from '../../src/model/event-block.ts';

const limits = { maxDecompressedBytes: 1 << 20, maxLineBytes: 4096, maxEventsPerRequest: 1000, maxReportedErrors: 2 };
const registry = createStreamRegistry(loadConfig({ GATEWAY_INDEX_PATTERN: 'ev-{stream}-{yyyy.MM.dd}' }), () => Date.UTC(2026, 10, 21, 12));
const ctx = registry.get('app')!;
const meta = { stream: 'app', acceptedAt: 0, kind: 'event' } as const;

describe('framed requests (worker → main thread hand-off)', () => {
  it('cross threads by transfer and give back the same events, positions, ids, indices and errors', () => {
    const body = Buffer.from([
      '{"@timestamp":"2026-11-20T23:59:59Z","msg":"a"}',
      '{"msg":"no time: gets one","event":{"id":"ünïcode-id-✓"}}',
      'not json',
      '{"@timestamp":"2026-11-21T00:00:00.000Z","msg":"b ✓"}',
      '[1]',
      '{"_id":"x"}',
    ].join('\n'));
    const framed = frameBody('ndjson', body, ctx, limits);
    const transfer = transferListOf(framed);
    expect(transfer.every((b) => b instanceof ArrayBuffer)).toBe(true);
    const back = structuredClone(framed, { transfer });
    expect(transfer.every((b) => b.byteLength === 0)).toBe(true); // moved, not copied
    expect(back.accepted).toBe(3);
    expect(back.rejected).toBe(3);
    expect(back.rejectedBy).toEqual({ invalid_json: 1, not_an_object: 1, reserved_field: 1 }); // all, not only the 2 listed
    expect(back.errors).toHaveLength(2); // maxReportedErrors
    expect(back.errors[0]).toMatchObject({ line: 3, code: 'invalid_json' });
    expect(back.positionKind).toBe('line');
    expect(Array.from(back.positions)).toEqual([1, 2, 4]);
    expect(back.parts).toHaveLength(1);
    const block = newBlock(back.parts[0]!, meta);
    expect(Buffer.isBuffer(block.bulk)).toBe(true);
    expect(idAt(block, 1)).toBe('ünïcode-id-✓');
    expect([0, 1, 2].map((i) => indexAt(block, i))).toEqual(['ev-app-2026.11.20', 'ev-app-2026.11.21', 'ev-app-2026.11.21']);
    // Unchanged lines keep their bytes; the event without @timestamp got one spliced in front.
    expect(sourceAt(block, 0).toString()).toBe('{"@timestamp":"2026-11-20T23:59:59Z","msg":"a"}');
    expect(sourceAt(block, 1).toString()).toBe('{"@timestamp":"2026-11-21T12:00:00.000Z","msg":"no time: gets one","event":{"id":"ünïcode-id-✓"}}');
    expect(sourceAt(block, 2).toString()).toBe('{"@timestamp":"2026-11-21T00:00:00.000Z","msg":"b ✓"}');
  });

  it('keeps JSON array element positions', () => {
    const framed = frameBody('json', Buffer.from('[{"a":1,"@timestamp":1}, 2, {"b":2,"@timestamp":2}]'), ctx, limits);
    const back = structuredClone(framed, { transfer: transferListOf(framed) });
    expect(back.positionKind).toBe('element');
    expect(Array.from(back.positions)).toEqual([0, 2]);
    const block = newBlock(back.parts[0]!, meta);
    expect([0, 1].map((i) => JSON.parse(sourceAt(block, i).toString()))).toEqual([{ a: 1, '@timestamp': 1 }, { b: 2, '@timestamp': 2 }]);
  });

  it('transfers a request without accepted events', () => {
    const framed = frameBody('ndjson', Buffer.from('nope\n'), ctx, limits);
    const back = structuredClone(framed, { transfer: transferListOf(framed) });
    expect(back).toMatchObject({ parts: [], accepted: 0, rejected: 1 });
  });
});

describe('framed bulk bodies of the Elasticsearch-compatible API (worker → main thread hand-off)', () => {
  const access = esApiAccess({ indices: ['*', '-.*'], pipelines: [] });
  const body = Buffer.from([
    '{"index":{"_index":"logs","_id":"ä1"}}', '{"a":1}',
    '{"create":{"_index":".secret"}}', '{"b":2}',
    '{"delete":{"_index":"other","_id":"d"}}',
    '{"index":{}}', '{"c":3}',
    '',
  ].join('\n'));

  it('cross threads by transfer: answer actions, refusals, lines, ids and indices as framed', () => {
    const framed = frameBulkBody(body, { index: 'dflt' }, access, () => 'GEN');
    const transfer = bulkTransferList(framed);
    const back = structuredClone(framed, { transfer });
    expect(transfer.every((b) => b.byteLength === 0)).toBe(true); // moved, not copied
    if (!back.ok || back.lines === undefined) throw new Error('not framed');
    expect(Array.from(back.replyActions, (c) => BULK_ACTIONS[c])).toEqual(['index', 'create', 'delete', 'index']);
    expect(back.refused).toEqual([{ ok: false, at: 1, replyAction: 'create', index: '.secret', id: null, status: 403, error: expect.objectContaining({ type: 'security_exception' }) }]);
    expect([0, 1, 2].map((k) => acceptedAt(back.lines!, k))).toEqual([{ index: 'logs', id: 'ä1' }, { index: 'other', id: 'd' }, { index: 'dflt', id: 'GEN' }]);
    const block = newBlock(back.lines, { stream: '_es_api', acceptedAt: 0, kind: 'op' });
    expect(Buffer.from(block.bulk).toString()).toBe('{"index":{"_index":"logs","_id":"ä1"}}\n{"a":1}\n{"delete":{"_index":"other","_id":"d"}}\n{"create":{"_index":"dflt","_id":"GEN"}}\n{"c":3}\n');
  });

  it('a malformed body is the whole request refused, nothing to transfer', () => {
    const framed = frameBulkBody(Buffer.from('{"index":{}}\n'), {}, access, () => 'GEN');
    expect(bulkTransferList(framed)).toEqual([]);
    expect(framed).toMatchObject({ ok: false, status: 400 });
  });
});
