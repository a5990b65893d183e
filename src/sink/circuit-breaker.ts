// The circuit breaker around the bulk sink (opossum). It opens when too many bulk requests fail
// (connection errors, timeouts, 5xx) over a rolling window; while open the pipeline sends nothing
// to Elasticsearch and spools instead. After `resetMs` it goes half-open and a cheap real call
// (cluster health) decides: success closes it, failure opens it again. Overload (429) is not a
// failure here: it is handled by retries with backoff.
//
// Besides the error rate, `minRequests` failed bulk requests in a row (no success between them)
// open it too. The rolling window counts a request when it is sent, its failure when it ends: a
// request that times out (ES_REQUEST_TIMEOUT_MS, 30 s) against a frozen node fails after its
// send has left the window (10 s), so the window saw failures without the requests behind them,
// stayed under its volume threshold and never opened (bench scenario 5 with a smaller queue: the
// whole 60 s outage went by with the breaker closed).
import CircuitBreaker from 'opossum';
import type { BulkBody } from './bulk-body.ts';
import type { BulkKind, BulkSink } from './bulk-sink.ts';
import type { ItemVerdict } from './bulk-response.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  errorPercent: number;
  windowMs: number;
  minRequests: number;
  resetMs: number;
}

export interface GuardedSink extends BulkSink {
  readonly state: BreakerState;
  /** Called on every transition, with the reason. */
  onStateChange(listener: (state: BreakerState, reason: string) => void): void;
  shutdown(): void;
}

/** A breaker-rejected call: the breaker is open, nothing was sent. */
export class BreakerOpenError extends Error {
  constructor() {
    super('circuit breaker open: Elasticsearch is considered unavailable');
    this.name = 'BreakerOpenError';
  }
}

export function guardSink(sink: BulkSink, probe: () => Promise<void>, options: BreakerOptions): GuardedSink {
  const breaker = new CircuitBreaker((body: BulkBody, docs: number, kind: BulkKind) => sink.send(body, docs, kind), {
    timeout: false, // the client's request timeout applies
    errorThresholdPercentage: options.errorPercent,
    rollingCountTimeout: options.windowMs,
    rollingCountBuckets: 10,
    volumeThreshold: options.minRequests,
    resetTimeout: options.resetMs,
    errorFilter: (err: { statusCode?: number }) => err.statusCode === 429,
  });
  let state: BreakerState = 'closed';
  let lastError = '';
  const listeners: ((state: BreakerState, reason: string) => void)[] = [];
  const move = (next: BreakerState, reason: string) => {
    if (next === state) return;
    state = next;
    for (const l of listeners) l(next, reason);
  };
  let failedInARow = 0;
  breaker.on('success', () => { failedInARow = 0; });
  breaker.on('failure', (err: Error) => {
    lastError = err.message.slice(0, 200);
    failedInARow++;
    if (failedInARow >= options.minRequests && state === 'closed') breaker.open();
  });
  breaker.on('open', () => {
    failedInARow = 0;
    move('open', `bulk requests failing: ${lastError}`);
  });
  breaker.on('close', () => move('closed', 'probe succeeded'));
  breaker.on('halfOpen', () => {
    move('half_open', 'probing Elasticsearch');
    probe().then(
      () => breaker.close(),
      (err: Error) => {
        lastError = `probe failed: ${err.message.slice(0, 200)}`;
        breaker.open();
      },
    );
  });

  return {
    get state() { return state; },
    onStateChange(listener) { listeners.push(listener); },
    async send(body, docs, kind = 'events'): Promise<ItemVerdict[]> {
      if (state !== 'closed') throw new BreakerOpenError();
      return breaker.fire(body, docs, kind) as Promise<ItemVerdict[]>;
    },
    shutdown() { breaker.shutdown(); },
  };
}
