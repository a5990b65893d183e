import { describe, expect, it } from 'vitest';
import { BulkRequestError, type BulkSink } from '../../src/sink/bulk-sink.ts';
import { guardSink, BreakerOpenError, type BreakerState } from '../../src/sink/circuit-breaker.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function failingSink(status: number | undefined): BulkSink & { calls: number } {
  const sink = { calls: 0, async send(): Promise<never> { sink.calls++; throw new BulkRequestError('down', status); } };
  return sink;
}

describe('circuit breaker around the bulk sink', () => {
  it('opens after failures, stays open while the probe fails, closes when it succeeds', async () => {
    const sink = failingSink(undefined);
    let healthy = false;
    let probes = 0;
    const breaker = guardSink(sink, async () => { probes++; if (!healthy) throw new Error('ECONNREFUSED'); }, { errorPercent: 50, windowMs: 10_000, minRequests: 2, resetMs: 100 });
    const states: BreakerState[] = [];
    breaker.onStateChange((s) => states.push(s));
    for (let i = 0; i < 3; i++) await breaker.send([], 1).catch(() => {});
    expect(breaker.state).toBe('open');
    await expect(breaker.send([], 1)).rejects.toBeInstanceOf(BreakerOpenError);
    const callsWhileOpen = sink.calls;
    await wait(350);
    expect(probes).toBeGreaterThanOrEqual(2);
    expect(breaker.state).not.toBe('closed');
    expect(sink.calls).toBe(callsWhileOpen); // probing is not sending bulks
    healthy = true;
    await wait(250);
    expect(breaker.state).toBe('closed');
    expect(states).toContain('half_open');
    expect(states.at(-1)).toBe('closed');
    expect(states.filter((s) => s === 'closed')).toHaveLength(1);
    breaker.shutdown();
  });

  it('opens after minRequests failures in a row even when each failed long after it was sent (timeouts against a frozen node)', async () => {
    // Each request fails 300 ms after it was sent; the window is 100 ms, so by the time a failure
    // is counted its request has left the window.
    const slow: BulkSink = { async send(): Promise<never> { await wait(300); throw new BulkRequestError('Request timed out', undefined); } };
    const breaker = guardSink(slow, async () => { throw new Error('still frozen'); }, { errorPercent: 50, windowMs: 100, minRequests: 3, resetMs: 10_000 });
    const sends = [0, 1, 2].map(() => breaker.send([], 1).catch(() => {}));
    await Promise.all(sends.slice(0, 2));
    expect(breaker.state).toBe('closed'); // two in a row: not yet
    await sends[2];
    expect(breaker.state).toBe('open');
    breaker.shutdown();
  });

  it('does not open on overload (429)', async () => {
    const breaker = guardSink(failingSink(429), async () => {}, { errorPercent: 50, windowMs: 10_000, minRequests: 2, resetMs: 100 });
    for (let i = 0; i < 10; i++) await breaker.send([], 1).catch(() => {});
    expect(breaker.state).toBe('closed');
    breaker.shutdown();
  });
});
