import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { frameBody } from '../../src/ingest/frame-request.ts';
import { packFrames, transferListOf, unpackFrames } from '../../src/ingest/framed-transfer.ts';
import { createStreamRegistry } from '../../src/ingest/stream-context.ts';

const limits = { maxDecompressedBytes: 1 << 20, maxLineBytes: 4096, maxEventsPerRequest: 1000, maxReportedErrors: 2 };
const registry = createStreamRegistry(loadConfig({ GATEWAY_INDEX_PATTERN: 'ev-{stream}-{yyyy.MM.dd}' }), () => Date.UTC(2026, 10, 21, 12));
const ctx = registry.get('app')!;

describe('packed frames (worker → main thread hand-off)', () => {
  it('unpack(pack(x)) gives back the same events, positions, ids, indices and errors', () => {
    const body = Buffer.from([
      '{"@timestamp":"2026-11-20T23:59:59Z","msg":"a"}',
      '{"msg":"no time: gets one","event":{"id":"ünïcode-id-✓"}}',
      'not json',
      '{"@timestamp":"2026-11-21T00:00:00.000Z","msg":"b ✓"}',
      '[1]',
      '{"_id":"x"}',
    ].join('\n'));
    const framed = frameBody('ndjson', body, ctx, limits);
    const packed = packFrames(framed, body);
    // Unchanged lines stay in the body; only the event given an @timestamp is copied out.
    expect(packed.extra.length).toBe(framed.events[1]!.source.length);
    expect(packed.indexNames).toEqual(['ev-app-2026.11.20', 'ev-app-2026.11.21']);
    expect(transferListOf(packed).every((b) => b instanceof ArrayBuffer)).toBe(true);
    const back = unpackFrames(packed);
    expect(back.rejected).toBe(3);
    expect(back.rejectedBy).toEqual({ invalid_json: 1, not_an_object: 1, reserved_field: 1 }); // all, not only the 2 listed
    expect(back.errors).toEqual(framed.errors);
    expect(back.errors).toHaveLength(2); // maxReportedErrors
    expect(back.events.map((e) => ({ ...e, source: e.source.toString() }))).toEqual(framed.events.map((e) => ({ ...e, source: e.source.toString() })));
    expect(back.positionKind).toBe('line');
    expect(Array.from(back.positions)).toEqual([1, 2, 4]);
    expect(back.events[1]?.id).toBe('ünïcode-id-✓');
  });

  it('keeps JSON array element positions', () => {
    const body = Buffer.from('[{"a":1}, 2, {"b":2}]');
    const framed = frameBody('json', body, ctx, limits);
    const back = unpackFrames(packFrames(framed, body));
    expect(back.positionKind).toBe('element');
    expect(Array.from(back.positions)).toEqual([0, 2]);
    expect(back.events.map((e) => JSON.parse(e.source.toString()))).toEqual(framed.events.map((e) => JSON.parse(e.source.toString())));
  });

  it('packs an empty request', () => {
    const back = unpackFrames(packFrames({ events: [], positionKind: 'line', positions: [], rejected: 0, rejectedBy: {}, errors: [] }, new Uint8Array(0)));
    expect(back).toEqual({ events: [], positionKind: 'line', positions: new Int32Array(0), rejected: 0, rejectedBy: {}, errors: [] });
  });
});
