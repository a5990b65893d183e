// The replay rate: a token bucket whose rate starts low when Elasticsearch comes back, doubles
// every second without overload and halves on overload (429). Pure given the clock.

const MAX_RATE = 10_000_000;

export class SlowStart {
  private readonly startRate: number;
  private rate: number;
  private tokens: number;
  private lastRefill: number;
  private lastChange: number;

  constructor(startRate: number, now: number) {
    this.startRate = startRate;
    this.rate = startRate;
    this.tokens = startRate / 10;
    this.lastRefill = now;
    this.lastChange = now;
  }

  get eventsPerSecond(): number {
    return this.rate;
  }

  /** Back to the start rate (the breaker just closed). */
  reset(now: number): void {
    this.rate = this.startRate;
    this.tokens = Math.min(this.tokens, this.startRate / 10);
    this.lastChange = now;
  }

  overloaded(now: number): void {
    if (now - this.lastChange < 1000) return; // one halving per second at most
    this.rate = Math.max(this.startRate, this.rate / 2);
    this.lastChange = now;
  }

  /** How many of `wanted` events may go now (0 when the bucket is empty). */
  take(wanted: number, now: number): number {
    this.refill(now);
    const n = Math.min(wanted, Math.floor(this.tokens));
    this.tokens -= n;
    return n;
  }

  /** Milliseconds until at least `n` tokens are there. */
  msUntil(n: number, now: number): number {
    this.refill(now);
    return this.tokens >= n ? 0 : Math.ceil(((n - this.tokens) / this.rate) * 1000);
  }

  private refill(now: number): void {
    if (now - this.lastChange >= 1000) {
      this.rate = Math.min(MAX_RATE, this.rate * 2);
      this.lastChange = now;
    }
    // At most one second's worth in the bucket.
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.lastRefill) / 1000) * this.rate);
    this.lastRefill = now;
  }
}
