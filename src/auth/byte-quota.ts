// Per-key ingest byte quotas: a token bucket per key, refilled at the key's bytes per second and
// holding at most one second of them. A request is let in while the bucket is not empty and
// takes its bytes, going into debt if it is larger (a request is never cut in the middle); the
// key's next request waits until the debt is paid. Per gateway process. Pure (the clock is given).
export class ByteQuotas {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  /** Seconds until the key may send again; 0 when it may now. */
  waitSeconds(key: string, bytesPerSecond: number): number {
    const b = this.refilled(key, bytesPerSecond);
    return b.tokens > 0 ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / bytesPerSecond));
  }

  /** Takes bytes sent by the key. */
  take(key: string, bytesPerSecond: number, bytes: number): void {
    this.refilled(key, bytesPerSecond).tokens -= bytes;
  }

  private refilled(key: string, rate: number): { tokens: number; at: number } {
    const t = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: rate, at: t };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(rate, b.tokens + ((t - b.at) / 1000) * rate);
    b.at = t;
    return b;
  }
}
