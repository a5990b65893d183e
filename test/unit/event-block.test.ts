import { describe, expect, it } from 'vitest';
import { blockOfEvents, chunkRanges, countOf, eventAt, gatherEvents, idAt, rangeMemory, EVENT_OVERHEAD_BYTES, type EventBlock, type EventRange } from '../../src/model/event-block.ts';
import { spoolBatchOfRanges } from '../../src/pipeline/spool-batch.ts';
import type { ItemOutcome } from '../../src/model/item-outcome.ts';
import { decodeSpoolEvent } from '../../src/spool/spool-event.ts';
import { parseRecordAt } from '../../src/spool/record-framing.ts';
import { frameMeasuredEvents, measureEvents } from '../../src/spool/event-records.ts';

const CREATED: ItemOutcome = { result: 'created', status: 201 };

function block(name: string, n: number, options: Parameters<typeof blockOfEvents>[1] = {}): EventBlock {
  return blockOfEvents(Array.from({ length: n }, (_, i) => ({
    id: `${name}-${i}`,
    index: i % 2 === 0 ? 'even-idx' : 'odd-idx',
    stream: name,
    acceptedAt: 1000 + i,
    kind: 'event' as const,
    source: Buffer.from(JSON.stringify({ n: i, s: 'ü✓' })),
  })), options);
}

describe('event blocks', () => {
  it('gathered retries carry their attempts and report to the first block, however often they are gathered again', () => {
    const seenA: [number, ItemOutcome][] = [];
    const seenB: [number, ItemOutcome][] = [];
    const a = block('a', 5, { onDone: (i, o) => seenA.push([i, o]) });
    const b = block('b', 3, { onDone: (i, o) => seenB.push([i, o]) });
    a.attempts[3] = 2;
    const [once] = gatherEvents([[a, 3], [b, 0], [a, 1]]);
    expect(once!.count).toBe(3);
    expect([0, 1, 2].map((k) => eventAt(once!, k))).toEqual([eventAt(a, 3), eventAt(b, 0), eventAt(a, 1)]);
    const [twice] = gatherEvents([[once!, 2], [once!, 0]]);
    expect(Array.from(twice!.attempts)).toEqual([0, 2]);
    twice!.onDone?.(1, CREATED);
    twice!.onDone?.(0, CREATED);
    once!.onDone?.(1, CREATED);
    expect(seenA).toEqual([[3, CREATED], [1, CREATED]]);
    expect(seenB).toEqual([[0, CREATED]]);
    expect(twice!.handBack).toBeUndefined(); // live events: they go to the spool when parked
  });

  it('gathers events read from the spool apart from live ones, and hands them back to their block', () => {
    const handedBack: number[] = [];
    const live = block('live', 2);
    const spooled = block('spooled', 4, { handBack: (i) => handedBack.push(i) });
    const blocks = gatherEvents([[spooled, 2], [live, 1], [spooled, 0]]);
    expect(blocks.map((g) => [g.count, g.handBack === undefined])).toEqual([[1, true], [2, false]]);
    blocks[1]!.handBack?.(1);
    blocks[1]!.handBack?.(0);
    expect(handedBack).toEqual([0, 2]);
  });

  it('counts memory per range from its bulk lines plus a fixed overhead per event', () => {
    const b = block('m', 4);
    const range: EventRange = { lines: b, from: 1, to: 3 };
    expect(rangeMemory(range)).toBe(b.lineStarts[3]! - b.lineStarts[1]! + 2 * EVENT_OVERHEAD_BYTES);
  });

  it('chunks ranges at range boundaries', () => {
    const b = block('c', 10);
    const ranges: EventRange[] = [{ lines: b, from: 0, to: 3 }, { lines: b, from: 3, to: 4 }, { lines: b, from: 4, to: 10 }];
    expect(chunkRanges(ranges, 4).map((c) => countOf(c))).toEqual([4, 6]);
    expect(chunkRanges(ranges, 3).map((c) => countOf(c))).toEqual([3, 1, 6]);
    expect(chunkRanges([], 3)).toEqual([]);
  });

  it('hands ranges to the spool by position: what it encodes decodes to the same events', () => {
    const a = block('a', 3);
    const b = block('b', 2);
    const ranges: EventRange[] = [{ lines: a, from: 1, to: 3 }, { lines: b, from: 0, to: 2 }];
    const batch = spoolBatchOfRanges(ranges);
    expect(batch.length).toBe(4);
    const framed = frameMeasuredEvents(measureEvents(batch));
    const decoded = [];
    for (let at = 0; at < framed.length;) {
      const r = parseRecordAt(framed, at);
      if (r.kind !== 'record') throw new Error(`record at ${at}: ${r.kind}`);
      decoded.push(decodeSpoolEvent(r.payload));
      at = r.end;
    }
    const expected = [eventAt(a, 1), eventAt(a, 2), eventAt(b, 0), eventAt(b, 1)].map(({ attempts: _, ...e }) => e);
    expect(decoded).toEqual(expected);
    expect(decoded.map((e) => e.id)).toEqual([idAt(a, 1), idAt(a, 2), idAt(b, 0), idAt(b, 1)]);
  });
});
