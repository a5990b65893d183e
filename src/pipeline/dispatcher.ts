// Sends batches cut from the queue to the bulk sink, at most the adaptive concurrency limit
// (1..`maxInFlight`, see concurrency-limit.ts) at a time, and acts on every item's verdict: done,
// duplicate (counted), retry later (backoff), or dead letter.
// A failed bulk request (Elasticsearch unreachable, timeout, 5xx) puts its whole batch back
// after a backoff; those events stay held until Elasticsearch takes them.
import type { FastifyBaseLogger } from 'fastify';
import type { PipelineConfig } from '../config/config.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { buildBulkBody, bulkBodyBytes } from '../sink/bulk-body.ts';
import type { BulkSink } from '../sink/bulk-sink.ts';
import type { ItemVerdict } from '../sink/bulk-response.ts';
import { deadLetterBlock } from '../sink/dead-letter.ts';
import { backoffDelay } from '../sink/retry-policy.ts';
import { cutBatch, msUntilBatchDue } from './batcher.ts';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { countOf, eventAt, opsIn, eventMemory, gatherEvents, rangeMemory, routeOf, wholeBlock, type EventBlock, type EventPick, type EventRange } from '../model/event-block.ts';
import type { ItemError, ItemOutcome } from '../model/item-outcome.ts';
import type { EventQueue } from './event-queue.ts';
import { inSpan, linksTo } from '../telemetry/tracing.ts';
import type { MemoryBudget } from './memory-budget.ts';

export interface DispatcherDeps {
  queue: EventQueue;
  budget: MemoryBudget;
  sink: BulkSink;
  config: PipelineConfig;
  metrics: Metrics;
  log: FastifyBaseLogger;
  now: () => number;
  /** False while the circuit breaker is open: nothing is sent. */
  sendAllowed: () => boolean;
  /** Takes events off the dispatcher's hands while sending is not allowed (to the spool). */
  park: ((ranges: EventRange[]) => void) | undefined;
  /** Told about every rejection for overload (429), to slow replay down. */
  onOverload: () => void;
}

// The outcomes of nearly every event, shared: no object per event.
const CREATED: ItemOutcome = Object.freeze({ result: 'created', status: 201 });
const DUPLICATE: ItemOutcome = Object.freeze({ result: 'duplicate', status: 409 });

export class Dispatcher {
  private readonly d: DispatcherDeps;
  private inFlight = 0;
  private waitingRetry = 0;
  private consecutiveFailures = 0;
  private draining = false;
  private ageTimer: NodeJS.Timeout | undefined;
  private pumpSoon: NodeJS.Immediate | undefined;
  private readonly retryTimers = new Map<NodeJS.Timeout, EventRange[]>();
  private readonly inFlightBatches = new Set<EventRange[]>();
  private idleWaiters: (() => void)[] = [];
  private readonly limit: ConcurrencyLimit;

  constructor(deps: DispatcherDeps) {
    this.d = deps;
    this.limit = new ConcurrencyLimit(deps.config.maxInFlight);
  }

  /**
   * Adds events (their memory already reserved); what is due is sent from the next turn of the
   * event loop, so the request whose events these are is answered first: sending a batch (its
   * body built, ~1 MB written to the socket) is not part of any request's ack (bench/README.md,
   * "Batches sent after the ack").
   */
  enqueue(ranges: readonly EventRange[]): void {
    const now = this.d.now();
    for (const r of ranges) this.d.queue.push(r, now);
    this.pumpSoon ??= setImmediate(() => {
      this.pumpSoon = undefined;
      this.pump();
    });
  }

  /** Sends every queued event without waiting for batches to fill. */
  startDraining(): void {
    this.draining = true;
    this.pump();
  }

  get queued(): number {
    return this.d.queue.length;
  }

  get idle(): boolean {
    return this.d.queue.length === 0 && this.inFlight === 0 && this.waitingRetry === 0;
  }

  /** Resolves once nothing is queued, in flight or waiting to retry. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops timers (after draining or when the process is ending). */
  close(): void {
    clearImmediate(this.pumpSoon);
    this.pumpSoon = undefined;
    clearTimeout(this.ageTimer);
    for (const t of this.retryTimers.keys()) clearTimeout(t);
    this.retryTimers.clear();
  }

  /**
   * Everything still held — queued, waiting to retry, or in flight — taken away for the spool at
   * shutdown. In-flight events may still be written by their pending request; their fixed ids
   * make the replay a duplicate, not a second document.
   */
  takeAllHeld(): EventRange[] {
    const held = this.d.queue.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    for (const [timer, events] of this.retryTimers) {
      clearTimeout(timer);
      held.push(...events);
    }
    this.retryTimers.clear();
    this.waitingRetry = 0;
    for (const batch of this.inFlightBatches) held.push(...batch);
    this.inFlightBatches.clear();
    return held;
  }

  /** Puts events back after `delayMs` (also used when the spool cannot take parked events). */
  retryLater(ranges: EventRange[], delayMs: number): void {
    const count = countOf(ranges);
    this.waitingRetry += count;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.waitingRetry -= count;
      this.enqueue(ranges);
    }, delayMs);
    this.retryTimers.set(timer, ranges);
  }

  private pump(): void {
    const { queue, config } = this.d;
    if (!this.d.sendAllowed() && this.d.park !== undefined && queue.length > 0) {
      this.d.park(queue.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    }
    while (this.inFlight < this.limit.limit && this.d.sendAllowed()) {
      const due = msUntilBatchDue(queue, config, this.d.now(), this.draining);
      if (due === Number.POSITIVE_INFINITY) break;
      if (due > 0) {
        this.armAgeTimer(due);
        break;
      }
      this.send(cutBatch(queue, config));
    }
    this.d.metrics.queueBytes.set(this.d.budget.heldBytes);
    this.d.metrics.queueEvents.set(this.d.budget.heldEvents);
    this.d.metrics.bulkInFlight.set(this.inFlight);
    this.d.metrics.bulkConcurrencyLimit.set(this.limit.limit);
    this.notifyIfIdle();
  }

  private armAgeTimer(ms: number): void {
    if (this.ageTimer !== undefined) return;
    this.ageTimer = setTimeout(() => {
      this.ageTimer = undefined;
      this.pump();
    }, ms);
  }

  private send(batch: EventRange[]): void {
    const { metrics, sink } = this.d;
    const body = buildBulkBody(batch);
    const docs = countOf(batch);
    metrics.batchDocs.observe(docs);
    metrics.batchBytes.observe(bulkBodyBytes(body));
    this.inFlight++;
    this.inFlightBatches.add(batch);
    const end = metrics.bulkLatency.startTimer();
    const ticket = this.limit.begin();
    const sentAt = this.d.now();
    const links = linksTo(batch.map((r) => r.lines.trace));
    inSpan('es-gateway bulk flush', { 'es_gateway.events': docs, 'es_gateway.bytes': bulkBodyBytes(body) }, links, () => sink.send(body, docs, opsIn(batch)), true).then(
      (verdicts) => {
        end({ outcome: 'ok' });
        this.consecutiveFailures = 0;
        // Taken away at shutdown (spooled): the spool copy is replayed; outcomes are moot here.
        if (!this.inFlightBatches.delete(batch)) return;
        const overloaded = this.onVerdicts(batch, verdicts);
        this.limit.finished(ticket, overloaded ? 'overloaded' : 'ok', this.d.now() - sentAt, docs);
      },
      (err: Error & { statusCode?: number }) => {
        end({ outcome: 'error' });
        this.limit.finished(ticket, err.statusCode === 429 ? 'overloaded' : 'failed', this.d.now() - sentAt, docs);
        if (this.inFlightBatches.delete(batch)) this.onRequestFailed(batch, err);
      },
    ).finally(() => {
      this.inFlight--;
      this.pump();
    });
  }

  /** Acts on every item's verdict; true when Elasticsearch rejected some for overload (429). */
  private onVerdicts(batch: EventRange[], verdicts: ItemVerdict[]): boolean {
    const { metrics, config, budget } = this.d;
    const retry: EventPick[] = [];
    let maxAttempts = 0;
    let overloaded = false;
    let duplicates = 0;
    let released = 0;
    let releasedEvents = 0;
    // Items per status, counted here and added to the metric once per status per batch, not a
    // labelled inc() per item: prom-client hashes the labels on every call (bench/README.md,
    // "Bulk responses, metrics, in-flight limit, compression").
    const perStatus = new Map<number, number>();
    let k = 0;
    for (const r of batch) {
      const b = r.lines;
      const onDone = b.onDone;
      for (let i = r.from; i < r.to; i++, k++) {
        const v = verdicts[k] as ItemVerdict;
        perStatus.set(v.status, (perStatus.get(v.status) ?? 0) + 1);
        switch (v.kind) {
          case 'created':
          case 'duplicate':
            if (v.kind === 'duplicate') duplicates++;
            released += eventMemory(b, i);
            releasedEvents++;
            if (v.kind === 'duplicate') onDone?.(i, v.error === undefined ? DUPLICATE : { result: 'duplicate', status: 409, error: v.error });
            else onDone?.(i, v.detail !== undefined ? { result: 'created', status: v.status, detail: v.detail } : v.status === 201 ? CREATED : { result: 'created', status: v.status });
            break;
          case 'retry': {
            if (v.status === 429) overloaded = true;
            const attempts = (b.attempts[i] as number) + 1;
            b.attempts[i] = attempts;
            if (attempts < config.retryMaxAttempts) {
              retry.push([b, i]);
              maxAttempts = Math.max(maxAttempts, attempts);
            } else {
              this.fail(b, i, v.status, { type: 'retries_exhausted', reason: `${attempts} attempts, last: ${v.error.type}: ${v.error.reason}` });
            }
            break;
          }
          case 'permanent':
            this.fail(b, i, v.status, v.error);
            break;
        }
      }
    }
    budget.release(released, releasedEvents);
    for (const [status, n] of perStatus) metrics.bulkItems.inc({ status: String(status) }, n);
    if (duplicates > 0) metrics.duplicates.inc(duplicates);
    if (retry.length > 0) {
      if (overloaded) this.d.onOverload();
      metrics.retries.inc({ kind: 'item' }, retry.length);
      // The retried events move into blocks of their own, so the batch's blocks can go; their
      // bulk lines are copied as they are, so what the budget holds for them stays the same.
      this.retryLater(gatherEvents(retry).map(wholeBlock), backoffDelay({ baseMs: config.retryBaseMs, maxMs: config.retryMaxMs }, maxAttempts));
    }
    return overloaded;
  }

  private onRequestFailed(batch: EventRange[], err: Error & { statusCode?: number }): void {
    const { config, metrics, log } = this.d;
    if (!this.d.sendAllowed() && this.d.park !== undefined) {
      this.d.park(batch);
      return;
    }
    if (err.statusCode === 429) this.d.onOverload();
    this.consecutiveFailures++;
    metrics.retries.inc({ kind: 'request' });
    const delay = backoffDelay({ baseMs: config.retryBaseMs, maxMs: config.retryMaxMs }, this.consecutiveFailures);
    log.warn({ err: err.message.slice(0, 300), status: err.statusCode, docs: countOf(batch), retryInMs: delay, consecutiveFailures: this.consecutiveFailures }, 'bulk request failed; batch will be retried');
    this.retryLater(batch, delay);
  }

  /** Event i of b, which Elasticsearch will not take: into the dead-letter index, never dropped silently. */
  private fail(b: EventBlock, i: number, status: number, error: ItemError): void {
    const { metrics, log, config, budget } = this.d;
    const e = eventAt(b, i);
    if (e.kind === 'dead-letter') {
      metrics.deadLetterFailures.inc();
      log.error({ id: e.id, index: e.index, status, error, document: e.source.toString('utf8') }, 'dead-letter document refused; event logged here instead');
      budget.release(eventMemory(b, i), 1);
      b.onDone?.(i, { result: 'failed', status, error });
      return;
    }
    const stream = e.stream;
    const { done, handBack, at } = routeOf(b, i);
    const letter = deadLetterBlock(e, status, error, config.deadLetterIndex, this.d.now(), {
      onDone: (_, outcome) => {
        if (outcome.result === 'created' || outcome.result === 'duplicate') {
          metrics.deadLetters.inc({ stream });
          done?.(at, { result: 'dead_lettered', status, error });
        } else {
          done?.(at, { result: 'failed', status, error });
        }
      },
      // A dead letter of an event read from the spool goes back with it when handed back.
      handBack: handBack === undefined ? undefined : () => handBack(at),
    });
    log.warn({ id: e.id, index: e.index, stream, status, error }, 'event refused for good (error.type says why: Elasticsearch\'s reason, or the gateway\'s own such as max_fields_exceeded); sent to the dead-letter index');
    const range = wholeBlock(letter);
    budget.reserve(rangeMemory(range), 1);
    budget.release(eventMemory(b, i), 1);
    this.d.queue.push(range, this.d.now());
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0 || !this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
