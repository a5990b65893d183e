import { describe, expect, it } from 'vitest';
import { eventBytes, type PipelineEvent } from '../../src/pipeline/event.ts';
import { EventQueue } from '../../src/pipeline/event-queue.ts';

const ev = (n: number, size = 10): PipelineEvent => ({ id: `id-${n}`, index: 'i', stream: 's', source: Buffer.alloc(size, 0x20), acceptedAt: 0, kind: 'event', attempts: 0, onDone: undefined });

describe('EventQueue', () => {
  it('is FIFO, counts bytes, knows its oldest arrival and cuts by docs or bytes (at least one)', () => {
    const q = new EventQueue();
    expect(q.oldestAt).toBeUndefined();
    q.push(ev(1), 100);
    q.push(ev(2), 200);
    q.push(ev(3, 1000), 300);
    expect(q.length).toBe(3);
    expect(q.bytes).toBe(eventBytes(ev(1)) + eventBytes(ev(2)) + eventBytes(ev(3, 1000)));
    expect(q.oldestAt).toBe(100);
    expect(q.take(1, 1e9).map((e) => e.id)).toEqual(['id-1']);
    expect(q.oldestAt).toBe(200);
    expect(q.take(10, eventBytes(ev(2)) + 1).map((e) => e.id)).toEqual(['id-2']); // id-3 would pass maxBytes
    expect(q.take(10, 1).map((e) => e.id)).toEqual(['id-3']); // alone over maxBytes: still taken
    expect(q.length).toBe(0);
    expect(q.bytes).toBe(0);
    expect(q.oldestAt).toBeUndefined();
  });

  it('keeps order and counts across its internal compaction', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    let n = 0;
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 1000; i++, n++) q.push(ev(n), n);
      for (const e of q.take(700 + (round % 5) * 100, 1e12)) seen.push(e.id);
      expect(q.oldestAt).toBe(seen.length < n ? seen.length : undefined);
    }
    while (q.length > 0) for (const e of q.take(5000, 1e12)) seen.push(e.id);
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => `id-${i}`));
    expect(q.bytes).toBe(0);
  });
});
