import { describe, expect, it } from 'vitest';
import { blockOfEvents, idAt, rangeBytes, type EventBlock, type EventRange } from '../../src/model/event-block.ts';
import { EventQueue } from '../../src/pipeline/event-queue.ts';

const block = (first: number, n: number, size = 10): EventBlock => blockOfEvents(Array.from({ length: n }, (_, k) => (
  { id: `id-${first + k}`, index: 'i', stream: 's', source: Buffer.alloc(size, 0x20), acceptedAt: 0, kind: 'event' as const })));
const whole = (b: EventBlock): EventRange => ({ lines: b, from: 0, to: b.count });
const ids = (ranges: EventRange[]) => ranges.flatMap((r) => Array.from({ length: r.to - r.from }, (_, k) => idAt(r.lines, r.from + k)));
/** Bytes of one event's bulk lines: {"create":{"_index":"i","_id":"id-1"}}\n + source + \n. */
const lineBytes = (id: string, size = 10) => `{"create":{"_index":"i","_id":"${id}"}}\n`.length + size + 1;

describe('EventQueue', () => {
  it('is FIFO, counts events and bytes, knows its oldest arrival and cuts by docs or bytes (at least one)', () => {
    const q = new EventQueue();
    expect(q.oldestAt).toBeUndefined();
    q.push(whole(block(1, 1)), 100);
    q.push(whole(block(2, 1)), 200);
    q.push(whole(block(3, 1, 1000)), 300);
    expect(q.length).toBe(3);
    expect(q.bytes).toBe(lineBytes('id-1') + lineBytes('id-2') + lineBytes('id-3', 1000));
    expect(q.oldestAt).toBe(100);
    expect(ids(q.take(1, 1e9))).toEqual(['id-1']);
    expect(q.oldestAt).toBe(200);
    expect(ids(q.take(10, lineBytes('id-2') + 1))).toEqual(['id-2']); // id-3 would pass maxBytes
    expect(ids(q.take(10, 1))).toEqual(['id-3']); // alone over maxBytes: still taken
    expect(q.length).toBe(0);
    expect(q.bytes).toBe(0);
    expect(q.oldestAt).toBeUndefined();
  });

  it('splits a range where a cut by docs or bytes falls inside it', () => {
    const q = new EventQueue();
    q.push(whole(block(0, 10)), 1);
    q.push(whole(block(10, 5)), 2);
    const first = q.take(4, 1e9);
    expect(ids(first)).toEqual(['id-0', 'id-1', 'id-2', 'id-3']);
    expect(q.length).toBe(11);
    const byBytes = q.take(100, 3 * lineBytes('id-4') + 2);
    expect(ids(byBytes)).toEqual(['id-4', 'id-5', 'id-6']);
    expect(byBytes.reduce((n, r) => n + rangeBytes(r), 0)).toBe(3 * lineBytes('id-4'));
    expect(ids(q.take(100, 1e9))).toEqual(['id-7', 'id-8', 'id-9', ...Array.from({ length: 5 }, (_, k) => `id-${10 + k}`)]);
    expect(q.bytes).toBe(0);
    expect(q.length).toBe(0);
  });

  it('keeps order and counts across its internal compaction', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    let n = 0;
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 100; i++, n += 10) q.push(whole(block(n, 10)), n);
      for (const id of ids(q.take(700 + (round % 5) * 100, 1e12))) seen.push(id);
      expect(q.length).toBe(n - seen.length);
    }
    while (q.length > 0) for (const id of ids(q.take(5000, 1e12))) seen.push(id);
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => `id-${i}`));
    expect(q.bytes).toBe(0);
  });
});
