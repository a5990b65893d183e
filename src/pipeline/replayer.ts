// Feeds spooled events back through the dispatcher while Elasticsearch takes writes. A batch is
// committed in the spool once every event in it reached a final state, and released (read
// again later) if any was handed back because the breaker opened.
//
// Sharing rule: live events go into the dispatcher's queue directly; replay adds a batch only
// while that queue holds less than one batch, keeps at most one batch per bulk request in
// flight outstanding, stays within the memory budget's high-water mark, and is paced by slow
// start (SlowStart).
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../telemetry/metrics.ts';
import type { AckWaiters } from './ack-waiters.ts';
import type { Dispatcher } from './dispatcher.ts';
import { blockOfEvents, idAt, indexAt, rangeMemory, wholeBlock } from '../model/event-block.ts';
import type { MemoryBudget } from './memory-budget.ts';
import type { SlowStart } from './slow-start.ts';
import { inSpan } from '../telemetry/tracing.ts';
import type { SpoolPort, SpoolReadBatch } from '../spool/spool-port.ts';

export interface ReplayerDeps {
  spool: SpoolPort;
  dispatcher: Dispatcher;
  budget: MemoryBudget;
  waiters: AckWaiters;
  pace: SlowStart;
  batchMaxDocs: number;
  batchMaxBytes: number;
  maxInFlight: number;
  sendAllowed: () => boolean;
  metrics: Metrics;
  log: FastifyBaseLogger;
  now: () => number;
}

export class Replayer {
  private readonly d: ReplayerDeps;
  private running = false;
  private stopped = false;
  private outstanding = 0;
  private wake: (() => void) | undefined;

  constructor(deps: ReplayerDeps) {
    this.d = deps;
  }

  get outstandingEvents(): number {
    return this.outstanding;
  }

  /** Starts the loop if there is anything to do and it is not running. */
  kick(): void {
    this.wake?.();
    if (this.running || this.stopped) return;
    this.running = true;
    this.loop().catch((err: Error) => this.d.log.error({ err }, 'spool replay failed; retrying in 1 s'))
      .finally(() => {
        this.running = false;
        if (!this.stopped && this.d.spool.pendingEvents > this.outstanding) setTimeout(() => this.kick(), 1000).unref();
      });
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    const { spool, dispatcher, budget, pace, batchMaxDocs, maxInFlight, now } = this.d;
    while (!this.stopped && this.d.sendAllowed() && spool.pendingEvents > this.outstanding) {
      if (this.outstanding >= maxInFlight * batchMaxDocs || dispatcher.queued >= batchMaxDocs || budget.overHighWater) {
        await this.sleep(50);
        continue;
      }
      const allowed = pace.take(batchMaxDocs, now());
      if (allowed === 0) {
        await this.sleep(Math.max(1, Math.min(100, pace.msUntil(Math.min(batchMaxDocs, Math.ceil(pace.eventsPerSecond / 20)), now()))));
        continue;
      }
      const batch = await inSpan('es-gateway spool replay', { 'es_gateway.events_allowed': allowed }, [], async (span) => {
        const read = await spool.read(allowed, this.d.batchMaxBytes);
        span.setAttribute('es_gateway.events', read?.events.length ?? 0);
        return read;
      }, true);
      if (batch === undefined) break;
      this.send(batch);
    }
  }

  private send(batch: SpoolReadBatch): void {
    const { spool, dispatcher, budget, waiters, metrics } = this.d;
    // The closures keep the count and position only: the decoded events (and the read buffer
    // their sources point into) go once the block holds their bulk lines.
    const { position } = batch;
    const count = batch.events.length;
    let remaining = count;
    let handedBack = false;
    const settle = () => {
      if (--remaining > 0) return;
      this.outstanding -= count;
      if (handedBack) spool.release(position);
      else spool.commit(position).catch((err: Error) => this.d.log.error({ err }, 'spool commit failed; the batch will be replayed after a restart (deduplicated by id)'));
      this.kick();
    };
    const block = blockOfEvents(batch.events, {
      onDone: (i, outcome) => {
        if (waiters.size > 0) waiters.resolve(indexAt(block, i), idAt(block, i), outcome);
        settle();
      },
      handBack: () => { handedBack = true; settle(); },
    });
    const range = wholeBlock(block);
    budget.reserve(rangeMemory(range), block.count);
    this.outstanding += block.count;
    metrics.replayedEvents.inc(block.count);
    dispatcher.enqueue([range]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }
}
