// Feeds spooled events back through the dispatcher while Elasticsearch takes writes. A batch is
// committed in the spool once every event in it reached a final state, and released (read
// again later) if any was handed back because the breaker opened.
//
// In durable mode, events just appended are handed to it as they are (deliverWritten) whenever
// nothing unread lies before them in the spool, so the spool is read back only for a backlog
// (after an outage, a restart, a hand-back, or while memory is short).
//
// Sharing rule: live events go into the dispatcher's queue directly; replay adds a batch only
// while that queue holds less than one batch, keeps at most one batch per bulk request in
// flight outstanding, stays within the memory budget's high-water mark, and is paced by slow
// start (SlowStart).
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../telemetry/metrics.ts';
import type { AckWaiters } from './ack-waiters.ts';
import type { Dispatcher } from './dispatcher.ts';
import { blockOfEvents, countOf, idAt, indexAt, memoryOf, rangeMemory, wholeBlock, type EventBlock, type EventRange } from '../model/event-block.ts';
import type { MemoryBudget } from './memory-budget.ts';
import type { SlowStart } from './slow-start.ts';
import { inSpan } from '../telemetry/tracing.ts';
import type { ItemOutcome } from '../model/item-outcome.ts';
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
        if (!this.stopped && this.d.spool.unreadEvents > 0) setTimeout(() => this.kick(), 1000).unref();
      });
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    const { spool, dispatcher, budget, pace, batchMaxDocs, maxInFlight, now } = this.d;
    while (!this.stopped && this.d.sendAllowed() && spool.unreadEvents > 0) {
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

  /** Whether events about to be appended may be handed over as they are once written (see deliverWritten). */
  mayDeliverWritten(): boolean {
    return !this.stopped && this.d.sendAllowed() && !this.d.budget.overHighWater;
  }

  /**
   * Delivers events the spool handed out as they were written (appendForDelivery's position):
   * the request's own blocks, whose bulk lines are already made. Without room in the memory
   * budget they are released and read back later.
   */
  deliverWritten(position: unknown, ranges: readonly EventRange[]): void {
    const { spool, dispatcher, budget } = this.d;
    const count = countOf(ranges);
    if (this.stopped || !budget.tryReserve(memoryOf(ranges), count)) {
      spool.release(position);
      this.kick();
      return;
    }
    this.outstanding += count;
    const settle = this.settler(position, count);
    dispatcher.enqueue(ranges.map((r) => {
      // The request's block with the spool's callbacks (its own onDone is answered by id, through the waiters).
      const lines: EventBlock = { ...r.lines, onDone: (i, outcome) => this.done(lines, i, outcome, settle), handBack: () => settle(true) };
      return { lines, from: r.from, to: r.to };
    }));
  }

  private send(batch: SpoolReadBatch): void {
    const { dispatcher, budget, metrics } = this.d;
    // The closures keep the count and position only: the decoded events (and the read buffer
    // their sources point into) go once the block holds their bulk lines.
    const count = batch.events.length;
    const settle = this.settler(batch.position, count);
    const block = blockOfEvents(batch.events, {
      onDone: (i, outcome) => this.done(block, i, outcome, settle),
      handBack: () => settle(true),
    });
    const range = wholeBlock(block);
    budget.reserve(rangeMemory(range), count);
    this.outstanding += count;
    metrics.replayedEvents.inc(count);
    dispatcher.enqueue([range]);
  }

  private done(block: EventBlock, i: number, outcome: ItemOutcome, settle: (handedBack: boolean) => void): void {
    if (this.d.waiters.size > 0) this.d.waiters.resolve(indexAt(block, i), idAt(block, i), outcome);
    settle(false);
  }

  /** Called once per event of a spool batch: commits the batch when all reached a final state, releases it if any was handed back. */
  private settler(position: unknown, count: number): (handedBack: boolean) => void {
    const { spool } = this.d;
    let remaining = count;
    let anyHandedBack = false;
    return (handedBack) => {
      anyHandedBack ||= handedBack;
      if (--remaining > 0) return;
      this.outstanding -= count;
      if (anyHandedBack) spool.release(position);
      else spool.commit(position).catch((err: Error) => this.d.log.error({ err }, 'spool commit failed; the batch will be replayed after a restart (deduplicated by id)'));
      this.kick();
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }
}
