import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { frameBody } from '../../src/ingest/frame-request.ts';
import { transferListOf } from '../../src/ingest/framed-transfer.ts';
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
