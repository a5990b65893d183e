import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpoolPositionError } from '../../../src/spool/read-ranges.ts';
import type { FsyncTarget } from '../../../src/spool/durable-files.ts';
import { SpoolLockedError } from '../../../src/spool/spool-lock.ts';
import { Spool, SpoolClosedError, SpoolFullError, type SpoolBatch } from '../../../src/spool/spool.ts';
import { events, ids, segmentFiles, tempDir } from './spool-test-support.ts';

let dir: string;
let cleanup: () => Promise<void>;
const open: Spool[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  await cleanup();
});

async function openSpool(options: Parameters<typeof Spool.open>[1] = {}): Promise<Spool> {
  const s = await Spool.open(dir, { segmentBytes: 4096, fsync: 'never', ...options });
  open.push(s);
  return s;
}

async function closeSpool(s: Spool): Promise<void> {
  open.splice(open.indexOf(s), 1);
  await s.close();
}

async function readAll(s: Spool, maxEvents = 1000, maxBytes = 1 << 20): Promise<SpoolBatch[]> {
  const batches: SpoolBatch[] = [];
  for (let b = await s.read(maxEvents, maxBytes); b !== undefined; b = await s.read(maxEvents, maxBytes)) batches.push(b);
  return batches;
}

describe('Spool append, read and commit', () => {
  it('round-trips events in order across segment rotation and deletes delivered segments', async () => {
    const s = await openSpool();
    for (let i = 0; i < 5; i++) await s.append(events(i * 20, 20)); // ~5 KB each: one segment per append
    expect((await segmentFiles(dir)).length).toBe(5);
    expect(s.stats()).toMatchObject({ segments: 5, pendingEvents: 100 });

    const batches = await readAll(s, 7, 1 << 20);
    const got = batches.flatMap((b) => b.events);
    expect(ids(got)).toEqual(ids(events(0, 100)));
    expect(got[42]).toEqual(events(42, 1)[0]);
    expect(batches.every((b) => b.events.length <= 7)).toBe(true);

    for (const b of batches) await s.commit(b.position);
    expect(s.stats()).toMatchObject({ pendingEvents: 0, pendingBytes: 0, segments: 1, oldestAcceptedAt: undefined });
    expect((await segmentFiles(dir)).length).toBe(1); // the active segment stays
    expect(await s.read(10, 1 << 20)).toBeUndefined();
  });

  it('limits a batch by bytes but always returns at least one event', async () => {
    const s = await openSpool();
    await s.append(events(0, 10));
    const one = await s.read(100, 1);
    expect(one?.events.length).toBe(1);
    const some = await s.read(100, 1000); // ~254 bytes per record
    expect(some?.events.length).toBe(3);
    expect(some?.bytes).toBeLessThanOrEqual(1000);
  });

  it('after a restart resumes at the durable cursor with exact counts', async () => {
    const s1 = await openSpool();
    await s1.append(events(0, 40));
    await s1.append(events(40, 60));
    const first = await s1.read(30, 1 << 20);
    await s1.commit(first!.position);
    await s1.read(20, 1 << 20); // handed out, never committed: re-sent after the restart
    expect(s1.stats().pendingEvents).toBe(70);
    expect(s1.stats().oldestAcceptedAt).toBe(events(30, 1)[0]!.acceptedAt);
    await closeSpool(s1);

    const s2 = await openSpool();
    expect(s2.recovery).toMatchObject({ records: 70, corruptRecords: 0, tornBytesTruncated: 0, checkpoint: 'ok' });
    expect(s2.stats().pendingEvents).toBe(70);
    expect(s2.stats().pendingBytes).toBe(s2.recovery.bytes);
    expect(s2.stats().oldestAcceptedAt).toBe(events(30, 1)[0]!.acceptedAt);
    expect(ids((await readAll(s2)).flatMap((b) => b.events))).toEqual(ids(events(30, 70)));
  });

  it('advances the cursor only over a contiguous prefix of out-of-order commits', async () => {
    const s1 = await openSpool();
    await s1.append(events(0, 30));
    const [_a, b, c] = [await s1.read(10, 1 << 20), await s1.read(10, 1 << 20), await s1.read(10, 1 << 20)] as SpoolBatch[];
    await s1.commit(c!.position);
    await s1.commit(b!.position);
    expect(s1.stats().pendingEvents).toBe(30); // a is still out
    await closeSpool(s1);

    const s2 = await openSpool();
    expect(s2.recovery.records).toBe(30);
    const again = await readAll(s2, 10);
    expect(ids(again.flatMap((x) => x.events))).toEqual(ids(events(0, 30)));
    await s2.commit(again[2]!.position);
    await s2.commit(again[0]!.position); // prefix a: the cursor moves past a only
    expect(s2.stats().pendingEvents).toBe(20);
    await s2.commit(again[1]!.position); // now a, b, c
    expect(s2.stats().pendingEvents).toBe(0);
    await closeSpool(s2);

    const s3 = await openSpool();
    expect(s3.recovery.records).toBe(0);
    expect(await s3.read(10, 1 << 20)).toBeUndefined();
  });

  it('hands a released batch out again before new events, in pieces if asked for less', async () => {
    const s = await openSpool();
    await s.append(events(0, 20));
    const a = await s.read(10, 1 << 20);
    const b = await s.read(5, 1 << 20);
    s.release(a!.position);
    const a1 = await s.read(4, 1 << 20);
    const a2 = await s.read(100, 1 << 20);
    expect(ids(a1!.events)).toEqual(ids(events(0, 4)));
    expect(ids(a2!.events)).toEqual(ids(events(4, 6))); // the rest of a, not past it
    const c = await s.read(100, 1 << 20);
    expect(ids(c!.events)).toEqual(ids(events(15, 5)));
    expect(() => s.release(a!.position)).toThrow(SpoolPositionError); // a was superseded
    for (const x of [b, c, a2, a1]) await s.commit(x!.position);
    expect(s.stats().pendingEvents).toBe(0);
  });

  it('refuses an append past maxBytes with SpoolFullError and writes nothing of it', async () => {
    const s = await openSpool({ maxBytes: 10_000, segmentBytes: 64 * 1024 });
    await s.append(events(0, 30)); // ~7.6 KB
    const before = s.stats();
    const sizes = await Promise.all((await segmentFiles(dir)).map(async (f) => (await stat(`${dir}/${f}`)).size));
    await expect(s.append(events(30, 10))).rejects.toBeInstanceOf(SpoolFullError);
    expect(s.stats()).toEqual(before);
    expect(await Promise.all((await segmentFiles(dir)).map(async (f) => (await stat(`${dir}/${f}`)).size))).toEqual(sizes);
    await s.append(events(30, 5)); // what fits still goes in
    const got = await readAll(s);
    expect(ids(got.flatMap((b) => b.events))).toEqual(ids(events(0, 35)));

    // Once all of it is delivered, the space comes back (the consumed active segment is rotated away).
    for (const b of got) await s.commit(b.position);
    await s.append(events(100, 30));
    expect(s.stats()).toMatchObject({ pendingEvents: 30, segments: 1 });
  });

  it('refuses use after close and positions from another instance', async () => {
    const s1 = await openSpool();
    await s1.append(events(0, 3));
    const batch = await s1.read(3, 1 << 20);
    await expect(Spool.open(dir)).rejects.toBeInstanceOf(SpoolLockedError);
    await closeSpool(s1);
    await expect(s1.append(events(3, 1))).rejects.toBeInstanceOf(SpoolClosedError);
    const s2 = await openSpool();
    await expect(s2.commit(batch!.position)).rejects.toBeInstanceOf(SpoolPositionError);
    expect(await readdir(dir)).toContain('LOCK');
  });
});

describe('Spool lock', () => {
  it('takes over the lock of a process that is gone, or of our own pid from an earlier life', async () => {
    for (const pid of [2 ** 22 + 12345, process.pid]) {
      await writeFile(`${dir}/LOCK`, `${pid}\n`);
      const s = await openSpool();
      expect(await readFile(`${dir}/LOCK`, 'utf8')).toBe(`${process.pid}\n`);
      await closeSpool(s);
    }
  });
});

describe('Spool fsync policies', () => {
  function counter(): { hook: (t: FsyncTarget, seconds: number) => void; segment: () => number; reset: () => void } {
    let counts: Partial<Record<FsyncTarget, number>> = {};
    return {
      hook: (t, seconds) => {
        expect(seconds).toBeGreaterThanOrEqual(0);
        expect(seconds).toBeLessThan(60);
        counts[t] = (counts[t] ?? 0) + 1;
      },
      segment: () => counts.segment ?? 0,
      reset: () => { counts = {}; },
    };
  }

  it('interval: concurrent appends all resolve after one shared fsync', async () => {
    const fsyncs = counter();
    const s = await openSpool({ fsync: 'interval', fsyncIntervalMs: 50, segmentBytes: 1 << 20, onFsync: fsyncs.hook });
    fsyncs.reset();
    const seenAtResolve: number[] = [];
    await Promise.all(Array.from({ length: 25 }, (_, i) => s.append(events(i * 4, 4)).then(() => seenAtResolve.push(fsyncs.segment()))));
    expect(fsyncs.segment()).toBe(1);
    expect(seenAtResolve).toHaveLength(25);
    expect(seenAtResolve.every((n) => n === 1)).toBe(true); // none resolved before the fsync
    expect(s.stats().pendingEvents).toBe(100);
  });

  it('interval: an fsync comes early once groupCommitBytes are waiting', async () => {
    const s = await openSpool({ fsync: 'interval', fsyncIntervalMs: 60_000, groupCommitBytes: 2000 });
    const started = Date.now();
    await s.append(events(0, 10)); // ~2.5 KB
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('interval: an append with syncAtOnce is fsynced right after its write, with those waiting before it', async () => {
    const fsyncs = counter();
    const s = await openSpool({ fsync: 'interval', fsyncIntervalMs: 600_000, segmentBytes: 1 << 20, onFsync: fsyncs.hook });
    fsyncs.reset();
    let waitingResolved = false;
    const waiting = s.append(events(0, 4)).then(() => (waitingResolved = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(waitingResolved).toBe(false); // written, waiting out the ten-minute interval
    expect(fsyncs.segment()).toBe(0);
    await s.append(events(4, 4), true);
    await waiting;
    expect(fsyncs.segment()).toBe(1);
    expect(s.stats().pendingEvents).toBe(8);
  });

  it('always: every sequential append is fsynced before it resolves; never: only close fsyncs', async () => {
    const always = counter();
    const s1 = await openSpool({ fsync: 'always', onFsync: always.hook });
    always.reset();
    for (let i = 0; i < 3; i++) await s1.append(events(i, 1));
    expect(always.segment()).toBe(3);
    await closeSpool(s1);

    const never = counter();
    const s2 = await openSpool({ fsync: 'never', onFsync: never.hook });
    for (let i = 0; i < 3; i++) await s2.append(events(i, 1));
    const b = await s2.read(10, 1 << 20);
    await s2.commit(b!.position);
    expect(never.segment()).toBe(0);
    await closeSpool(s2);
    expect(never.segment()).toBe(1);
  });
});

describe('Spool appendForDelivery: events handed out as they are written', () => {
  it('hands out what it appends while nothing is unread, so read() does not return it again; a commit moves the cursor past it', async () => {
    const s1 = await openSpool({ fsync: 'interval', fsyncIntervalMs: 5 });
    const a = await s1.appendForDelivery(events(0, 10));
    const b = await s1.appendForDelivery(events(10, 10));
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(s1.stats()).toMatchObject({ pendingEvents: 20, unreadEvents: 0 });
    expect(await s1.read(100, 1 << 20)).toBeUndefined();
    await s1.commit(b!);
    expect(s1.stats().pendingEvents).toBe(20); // a is still out
    await s1.commit(a!);
    expect(s1.stats().pendingEvents).toBe(0);
    await s1.append(events(20, 5));
    expect(ids((await readAll(s1)).flatMap((x) => x.events))).toEqual(ids(events(20, 5)));
    await closeSpool(s1);

    const s2 = await openSpool();
    expect(s2.recovery.records).toBe(5); // 20-24 were read, never committed
  });

  it('leaves events for read() while anything unread lies before them, and after a release', async () => {
    const s = await openSpool();
    await s.append(events(0, 5));
    expect(await s.appendForDelivery(events(5, 5))).toBeUndefined();
    expect(s.stats().unreadEvents).toBe(10);
    const all = await readAll(s);
    expect(ids(all.flatMap((x) => x.events))).toEqual(ids(events(0, 10)));
    for (const x of all) await s.commit(x.position);

    const c = await s.appendForDelivery(events(10, 5));
    expect(c).toBeDefined();
    s.release(c!); // not delivered (the breaker opened): read back from the file
    expect(s.stats().unreadEvents).toBe(5);
    expect(await s.appendForDelivery(events(15, 5))).toBeUndefined();
    const again = await readAll(s);
    expect(ids(again.flatMap((x) => x.events))).toEqual(ids(events(10, 10)));
    expect(again[0]!.events[0]).toEqual(events(10, 1)[0]);
  });

  it('hands out across a segment rotation, and what was handed out but not committed is pending after a restart', async () => {
    const s1 = await openSpool();
    const positions = [];
    for (let i = 0; i < 4; i++) positions.push(await s1.appendForDelivery(events(i * 20, 20))); // one segment each
    expect(positions.every((p) => p !== undefined)).toBe(true);
    await s1.commit(positions[0]!);
    await s1.commit(positions[1]!);
    expect(s1.stats()).toMatchObject({ pendingEvents: 40, unreadEvents: 0 });
    await closeSpool(s1);

    const s2 = await openSpool();
    expect(s2.recovery.records).toBe(40);
    expect(ids((await readAll(s2)).flatMap((x) => x.events))).toEqual(ids(events(40, 40)));
  });
});
