// The search path's own circuit breaker (opossum), apart from ingest's: an ingest outage must not
// blind search, nor the reverse. It counts searches that got no answer, timed out or got a 5xx;
// a 4xx (a bad query) or a 429 (overload) is Elasticsearch answering, not failing. While open,
// searches are not sent; after `resetMs` the next search is the probe. It also caps searches in
// flight (opossum's capacity).
import CircuitBreaker from 'opossum';
import type { BreakerConfig } from '../config/config.ts';

export type SearchBreakerState = 'closed' | 'open' | 'half_open';

/** Why a search was not sent: the breaker is open, or too many are in flight. */
export class SearchNotSentError extends Error {
  readonly reason: 'open' | 'busy';
  constructor(reason: 'open' | 'busy') {
    super(reason === 'open' ? 'search circuit breaker open: Elasticsearch is considered unavailable' : 'too many searches in flight');
    this.name = 'SearchNotSentError';
    this.reason = reason;
  }
}

export interface SearchBreaker {
  readonly state: SearchBreakerState;
  fire<T>(search: () => Promise<T>): Promise<T>;
  /** Seconds until the breaker will let a search through again (≥ 1). */
  retryAfterSeconds(): number;
  onStateChange(listener: (state: SearchBreakerState) => void): void;
  shutdown(): void;
}

export function createSearchBreaker(options: BreakerConfig & { capacity: number }, now: () => number = Date.now): SearchBreaker {
  const breaker = new CircuitBreaker((search: () => Promise<unknown>) => search(), {
    timeout: false, // each search carries its own timeout
    errorThresholdPercentage: options.errorPercent,
    rollingCountTimeout: options.windowMs,
    rollingCountBuckets: 10,
    volumeThreshold: options.minRequests,
    resetTimeout: options.resetMs,
    capacity: options.capacity,
    errorFilter: (err: { statusCode?: number }) => err.statusCode !== undefined && err.statusCode < 500,
  });
  let state: SearchBreakerState = 'closed';
  let openedAt = 0;
  const listeners: ((s: SearchBreakerState) => void)[] = [];
  const move = (next: SearchBreakerState) => {
    if (next === 'open') openedAt = now();
    if (next === state) return;
    state = next;
    for (const l of listeners) l(next);
  };
  breaker.on('open', () => move('open'));
  breaker.on('halfOpen', () => move('half_open'));
  breaker.on('close', () => move('closed'));
  return {
    get state() { return state; },
    async fire<T>(search: () => Promise<T>): Promise<T> {
      try {
        return await (breaker.fire(search) as Promise<T>);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'EOPENBREAKER') throw new SearchNotSentError('open');
        if (code === 'ESEMLOCKED') throw new SearchNotSentError('busy');
        throw err;
      }
    },
    retryAfterSeconds() {
      if (state !== 'open') return 1;
      return Math.max(1, Math.ceil((openedAt + options.resetMs - now()) / 1000));
    },
    onStateChange(listener) { listeners.push(listener); },
    shutdown() { breaker.shutdown(); },
  };
}
