import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeBulkLines, encodeLinesOf } from '../../../src/model/bulk-lines.ts';
import { newBlock, wholeBlock, type EventBlock, type EventMeta } from '../../../src/model/event-block.ts';
import { spoolBatchOfRanges } from '../../../src/pipeline/spool-batch.ts';
import { checkSpoolPayload, decodeSpoolPayload, frameBlockRecord, spoolPayloadEvents } from '../../../src/spool/block-record.ts';
import { frameMeasuredEvents, measureEvents } from '../../../src/spool/event-records.ts';
import { parseRecordAt } from '../../../src/spool/record-framing.ts';
import { inspectSpool } from '../../../src/spool/spool-inspection.ts';
import { Spool } from '../../../src/spool/spool.ts';
import type { SpoolEvent } from '../../../src/spool/spool-event.ts';
import { flip, tempDir } from './spool-test-support.ts';

function eventsBlock(meta: EventMeta, n: number, prefix = 'e'): EventBlock {
  return newBlock(encodeBulkLines(Array.from({ length: n }, (_, i) => ({
    id: i % 3 === 0 ? `${prefix}-ïd-😀-${i}` : `${prefix}-${i}`,
    index: i % 2 === 0 ? 'events-app-2026.12.02' : 'événements',
    source: Buffer.from(JSON.stringify({ n: i, msg: 'ü✓', pad: 'x'.repeat(i) })),
  }))), meta);
}

function opsBlock(n: number): EventBlock {
  return newBlock(encodeLinesOf(Array.from({ length: n }, (_, i) => ({
    id: `op-${i}`,
    index: 'ops',
    source: Buffer.from(`{"k":${i}}`),
    lines: Buffer.from(`{"index":{"_index":"ops","_id":"op-${i}"}}\n{"k":${i}}\n`),
  }))), { stream: '_es', acceptedAt: 5, kind: 'op' });
}

/** The one record a block is framed as: its buffers written back to back. */
function recordOf(block: EventBlock): Buffer {
  const framed = frameBlockRecord({ lines: block, meta: block.meta as EventMeta });
  if (framed === undefined) throw new Error('not framed as a block');
  const record = Buffer.concat(framed.buffers);
  expect(record.length).toBe(framed.bytes);
  return record;
}

/** What version 1 holds for the same events: one record each. */
function asVersion1(block: EventBlock): SpoolEvent[] {
  const { blocks: _, ...batch } = spoolBatchOfRanges([wholeBlock(block)]);
  const framed = frameMeasuredEvents(measureEvents(batch));
  const out: SpoolEvent[] = [];
  for (let at = 0; at < framed.length;) {
    const r = parseRecordAt(framed, at);
    if (r.kind !== 'record') throw new Error(r.kind);
    out.push(...decodeSpoolPayload(r.payload));
    at = r.end;
  }
  return out;
}

describe('block records (payload version 2)', () => {
  it('decode to exactly the events version 1 holds for the block, for events, dead letters and operations', () => {
    for (const block of [eventsBlock({ stream: 'app', acceptedAt: 1_767_225_600_123, kind: 'event' }, 40), eventsBlock({ stream: 'ström', acceptedAt: 7, kind: 'dead-letter' }, 3), opsBlock(5)]) {
      const record = recordOf(block);
      const parsed = parseRecordAt(record, 0);
      expect(parsed.kind).toBe('record');
      if (parsed.kind !== 'record') return;
      expect(parsed.end).toBe(record.length);
      expect(checkSpoolPayload(parsed.payload)).toBeUndefined();
      expect(spoolPayloadEvents(parsed.payload)).toBe(block.count);
      const expected = asVersion1(block);
      expect(expected).toHaveLength(block.count);
      expect(decodeSpoolPayload(parsed.payload)).toEqual(expected);
    }
  });

  it('are caught by the checksum when a byte changes, and refused when their sizes disagree', () => {
    const record = recordOf(eventsBlock({ stream: 'app', acceptedAt: 1, kind: 'event' }, 10));
    for (const at of [8 + 30, record.length - 1]) {
      const damaged = Buffer.from(record);
      flip(damaged, at, 0x04);
      expect(parseRecordAt(damaged, 0)).toMatchObject({ kind: 'corrupt', reason: expect.stringMatching(/checksum/) });
    }
    const payload = Buffer.from(record.subarray(8));
    payload.writeUInt32LE(11, 10); // one event more than the columns hold
    expect(checkSpoolPayload(payload)).toMatch(/should take/);
    expect(() => decodeSpoolPayload(payload)).toThrow(/should take/);
  });

  it('are what the pipeline appends for whole blocks with one meta each; parts of blocks or mixed metas go one record per event', () => {
    const a = eventsBlock({ stream: 'app', acceptedAt: 1, kind: 'event' }, 4);
    const b = eventsBlock({ stream: 'app', acceptedAt: 2, kind: 'event' }, 2);
    expect(spoolBatchOfRanges([wholeBlock(a), wholeBlock(b)]).blocks).toHaveLength(2);
    expect(spoolBatchOfRanges([{ lines: a, from: 1, to: 4 }]).blocks).toBeUndefined();
    const mixed = newBlock(encodeBulkLines([{ id: 'x', index: 'i', source: Buffer.from('{}') }]), [{ stream: 's', acceptedAt: 1, kind: 'event' }]);
    expect(spoolBatchOfRanges([wholeBlock(mixed)]).blocks).toBeUndefined();
  });
});

describe('a spool holding block records', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => cleanup());

  it('reads back, counts and recovers events of both versions in log order', async () => {
    const first = eventsBlock({ stream: 'app', acceptedAt: 100, kind: 'event' }, 30, 'a');
    const second = opsBlock(4);
    const loose = eventsBlock({ stream: 'app', acceptedAt: 200, kind: 'event' }, 5, 'c');
    const expected = [...asVersion1(first), ...asVersion1(second), ...asVersion1(loose)];
    const s1 = await Spool.open(dir, { fsync: 'always' });
    await s1.append(spoolBatchOfRanges([wholeBlock(first), wholeBlock(second)]));
    await s1.append(spoolBatchOfRanges([{ lines: loose, from: 0, to: 2 }, { lines: loose, from: 2, to: 5 }])); // parts of a block: version 1
    expect(s1.stats().pendingEvents).toBe(39);
    const batch = await s1.read(1000, 1 << 20);
    expect(batch?.events).toEqual(expected);
    await s1.close();

    expect((await inspectSpool(dir)).events).toBe(39);
    const s2 = await Spool.open(dir, { fsync: 'always' });
    expect(s2.recovery.records).toBe(39);
    expect(s2.stats().pendingEvents).toBe(39);
    // A block's events come whole, even past maxEvents; the next read starts after them.
    const head = await s2.read(10, 1 << 20);
    expect(head?.events).toEqual(expected.slice(0, 30));
    const rest = await s2.read(1000, 1 << 20);
    expect(rest?.events).toEqual(expected.slice(30));
    await s2.commit(head!.position);
    await s2.commit(rest!.position);
    expect(s2.stats().pendingEvents).toBe(0);
    await s2.close();
  });
});
