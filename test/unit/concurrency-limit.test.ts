import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../src/pipeline/concurrency-limit.ts';

/** Sends `n` bulks of `docs` at once and lets them all finish `ok` with `msPerDoc`. */
function okRound(limit: ConcurrencyLimit, n: number, msPerDoc = 1, docs = 1000): void {
  const tickets = Array.from({ length: n }, () => limit.begin());
  for (const t of tickets) limit.finished(t, 'ok', msPerDoc * docs, docs);
}

describe('ConcurrencyLimit (AIMD)', () => {
  it('starts at the maximum and stays there while every bulk succeeds', () => {
    const limit = new ConcurrencyLimit(8);
    expect(limit.limit).toBe(8);
    for (let i = 0; i < 20; i++) okRound(limit, 8);
    expect(limit.limit).toBe(8);
  });

  it('halves on an overloaded bulk, down to 1 and no lower', () => {
    const limit = new ConcurrencyLimit(8);
    const halvings = [4, 2, 1, 1];
    for (const expected of halvings) {
      limit.finished(limit.begin(), 'overloaded', 10, 100);
      expect(limit.limit).toBe(expected);
    }
  });

  it('leaves failed bulks (timeouts, unreachable, 5xx) to the circuit breaker: no change, no window', () => {
    const limit = new ConcurrencyLimit(8);
    for (let i = 0; i < 20; i++) limit.finished(limit.begin(), 'failed', 30_000, 5000);
    expect(limit.limit).toBe(8);
    limit.finished(limit.begin(), 'overloaded', 10, 100);
    expect(limit.limit).toBe(4);
    for (let i = 0; i < 20; i++) limit.finished(limit.begin(), 'failed', 30_000, 5000);
    expect(limit.limit).toBe(4); // failures neither halve nor count toward growing back
    okRound(limit, 4);
    expect(limit.limit).toBe(5);
  });

  it('halves once for bulks that were in flight together, again for one sent after the halving', () => {
    const limit = new ConcurrencyLimit(8);
    const together = Array.from({ length: 8 }, () => limit.begin());
    for (const t of together) limit.finished(t, 'overloaded', 10, 100);
    expect(limit.limit).toBe(4);
    limit.finished(limit.begin(), 'overloaded', 10, 100);
    expect(limit.limit).toBe(2);
  });

  it('grows by one per window of `limit` successful bulks sent after the last change', () => {
    const limit = new ConcurrencyLimit(4);
    const inFlight = [limit.begin(), limit.begin()];
    limit.finished(limit.begin(), 'overloaded', 10, 100);
    limit.finished(limit.begin(), 'overloaded', 10, 100);
    expect(limit.limit).toBe(1);
    // Bulks sent before the halvings do not count toward the window.
    for (const t of inFlight) limit.finished(t, 'ok', 10, 100);
    expect(limit.limit).toBe(1);
    okRound(limit, 1);
    expect(limit.limit).toBe(2);
    okRound(limit, 1);
    expect(limit.limit).toBe(2); // a window is now two bulks
    okRound(limit, 1);
    expect(limit.limit).toBe(3);
    okRound(limit, 3);
    expect(limit.limit).toBe(4);
    okRound(limit, 4);
    expect(limit.limit).toBe(4); // never above the maximum
  });

  it('does not grow while latency per document is more than twice the baseline, and takes a lasting slowdown as the new normal', () => {
    const limit = new ConcurrencyLimit(4);
    okRound(limit, 4, 1); // baseline: 1 ms per document
    limit.finished(limit.begin(), 'overloaded', 10, 100);
    expect(limit.limit).toBe(2);
    okRound(limit, 2, 4);
    expect(limit.limit).toBe(2); // 4× the baseline: no increase
    // The baseline drifts up 10% per window: once it is half of 4 ms (1.1^8 > 2), growth resumes.
    let windows = 1;
    while (limit.limit === 2 && windows < 20) {
      okRound(limit, 2, 4);
      windows++;
    }
    expect(limit.limit).toBe(3);
    expect(windows).toBe(9);
  });

  it('compares latency per document, so a small batch is not slower than a full one', () => {
    const limit = new ConcurrencyLimit(2);
    okRound(limit, 2, 1, 5000);
    limit.finished(limit.begin(), 'overloaded', 10, 100);
    expect(limit.limit).toBe(1);
    const t = limit.begin();
    limit.finished(t, 'ok', 50, 50); // 50 docs in 50 ms: 1 ms per document, like the baseline
    expect(limit.limit).toBe(2);
  });

  it('refuses a maximum below 1', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
  });
});
