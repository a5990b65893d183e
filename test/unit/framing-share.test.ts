import { describe, expect, it } from 'vitest';
import { FramingSpeeds, mainThreadShare } from '../../src/ingest/framing-share.ts';

describe('mainThreadShare', () => {
  it('gives the main thread the part at which it and the workers finish together', () => {
    expect(mainThreadShare(200_000, 1, { main: 50, worker: 50 }, 0, Infinity)).toBe(100_000);
    // A main thread half as fast as the one worker: a third of the body.
    expect(mainThreadShare(300_000, 1, { main: 25, worker: 50 }, 0, Infinity)).toBe(100_000);
    // Two workers as fast as the main thread: a third each.
    expect(mainThreadShare(300_000, 2, { main: 50, worker: 50 }, 0, Infinity)).toBe(100_000);
  });

  it('stays within its bounds and the body, however far apart the speeds', () => {
    expect(mainThreadShare(200_000, 1, { main: 50, worker: 50 }, 0, 30_000)).toBe(30_000);
    expect(mainThreadShare(200_000, 1, { main: 1e9, worker: 1 }, 50_000, 150_000)).toBe(150_000);
    expect(mainThreadShare(200_000, 1, { main: 1, worker: 1e9 }, 50_000, 150_000)).toBe(50_000);
    expect(mainThreadShare(200_000, 1, { main: 1e9, worker: 1 }, 0, Infinity)).toBe(200_000);
    expect(mainThreadShare(0, 1, { main: 50, worker: 50 }, 0, Infinity)).toBe(0);
  });
});

describe('FramingSpeeds', () => {
  it('starts equal and moves toward what each thread measures', () => {
    const s = new FramingSpeeds(100, 0.5);
    expect([s.main, s.worker]).toEqual([100, 100]);
    s.record('worker', 1000, 5); // 200 bytes/ms
    expect(s.worker).toBe(150);
    s.record('worker', 1000, 5);
    expect(s.worker).toBe(175);
    s.record('main', 500, 10); // 50 bytes/ms
    expect(s.main).toBe(75);
  });

  it('ignores timings too short to mean anything, and empty bodies', () => {
    const s = new FramingSpeeds(100, 0.5);
    s.record('main', 1000, 0);
    s.record('main', 1000, 0.01);
    s.record('main', 0, 3);
    s.record('worker', 1000, Number.NaN);
    expect([s.main, s.worker]).toEqual([100, 100]);
  });
});
