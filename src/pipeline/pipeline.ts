// The pipeline behind every ingest source: admission, the memory budget, the queue, batcher and
// dispatcher, and — when a spool is configured — the spool and its replay. Routes hand it
// blocks of framed events; nothing else reaches the sink.
//
// memory durability: events go to the in-memory queue; they go to the spool instead while the
//   breaker is open or the queue is over its high-water mark, and at shutdown whatever could not
//   be flushed in time is spooled.
// durable durability: every event is appended to the spool (acknowledged once synced) and
//   delivered from there by the replayer.
import type { FastifyBaseLogger } from 'fastify';
import type { PipelineConfig } from '../config/config.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { BulkSink } from '../sink/bulk-sink.ts';
import { AckWaiters } from './ack-waiters.ts';
import { Dispatcher } from './dispatcher.ts';
import { chunkRanges, countOf, forEachEvent, idAt, indexAt, memoryOf, rangeMemory, wholeBlock, type EventBlock, type EventRange } from '../model/event-block.ts';
import { spoolBatchOfRanges } from './spool-batch.ts';
import { EventQueue } from './event-queue.ts';
import { MemoryBudget } from './memory-budget.ts';
import { Replayer } from './replayer.ts';
import { SlowStart } from './slow-start.ts';
import { inSpan, linksTo } from '../telemetry/tracing.ts';
import { isSpoolFull, type SpoolPort } from '../spool/spool-port.ts';

export type Admission =
  | { ok: true }
  | { ok: false; status: 429 | 503; reason: 'queue_full' | 'over_high_water' | 'spool_full' | 'spool_error' | 'closing'; retryAfterSeconds: number };

/**
 * A request on its way to submit(): its body being read or framed. While none is, an append to
 * the spool has nobody to share a group commit with, and its fsync starts at once.
 */
export interface Arrival {
  /** It submitted, or gave up (idempotent). */
  done(): void;
}

export interface PipelineDeps {
  config: PipelineConfig;
  durability: 'memory' | 'durable';
  sink: BulkSink;
  /** Whether the sink may be called now (false while the circuit breaker is open). */
  sendAllowed: () => boolean;
  spool: SpoolPort | undefined;
  replayStartEventsPerSec: number;
  /** memory durability: how long a request waits for the queue to drop below high water before it spills to the spool. */
  spillAfterMs: number;
  metrics: Metrics;
  log: FastifyBaseLogger;
  now?: () => number;
}

export class Pipeline {
  private readonly d: PipelineDeps;
  private readonly now: () => number;
  private readonly budget: MemoryBudget;
  private readonly dispatcher: Dispatcher;
  private readonly waiters = new AckWaiters();
  private readonly pace: SlowStart;
  private readonly replayer: Replayer | undefined;
  private spoolAppends = 0;
  private arriving = 0;
  private closing = false;
  private lastKeptLog = 0;
  /** Until when new requests that would need the spool are refused before their body is read. */
  private spoolFullUntil = 0;

  constructor(deps: PipelineDeps) {
    this.d = deps;
    this.now = deps.now ?? Date.now;
    const { config, spool, metrics, log } = deps;
    this.budget = new MemoryBudget(config.queueMaxBytes, config.queueHighWaterBytes);
    this.pace = new SlowStart(deps.replayStartEventsPerSec, this.now());
    this.dispatcher = new Dispatcher({
      queue: new EventQueue(),
      budget: this.budget,
      sink: deps.sink,
      config,
      metrics,
      log,
      now: this.now,
      sendAllowed: deps.sendAllowed,
      park: spool === undefined ? undefined : (events) => this.park(events),
      onOverload: () => this.pace.overloaded(this.now()),
    });
    this.replayer = spool === undefined ? undefined : new Replayer({
      spool,
      dispatcher: this.dispatcher,
      budget: this.budget,
      waiters: this.waiters,
      pace: this.pace,
      batchMaxDocs: config.batchMaxDocs,
      batchMaxBytes: config.batchMaxBytes,
      maxInFlight: config.maxInFlight,
      sendAllowed: deps.sendAllowed,
      metrics,
      log,
      now: this.now,
    });
  }

  get overHighWater(): boolean {
    return this.budget.overHighWater;
  }

  /** Events held in memory (queued, in flight, waiting to retry). */
  get heldEvents(): number {
    return this.budget.heldEvents;
  }

  get heldBytes(): number {
    return this.budget.heldBytes;
  }

  /** Events in the spool not yet delivered (0 without a spool). */
  get spooledEvents(): number {
    return this.d.spool?.pendingEvents ?? 0;
  }

  /** Accepted events not yet in Elasticsearch, wherever they are. */
  get undeliveredEvents(): number {
    return this.budget.heldEvents + this.spooledEvents - (this.replayer?.outstandingEvents ?? 0);
  }

  /** The breaker closed again (or the gateway started): replay what the spool holds. */
  resume(): void {
    this.pace.reset(this.now());
    this.replayer?.kick();
    this.dispatcher.enqueue([]);
  }

  /** Whether a new request may start at all (checked before its body is read). */
  admitRequest(): Admission {
    const { durability, spool } = this.d;
    // Without a spool, over high water: refused at once while nothing is being sent (the
    // breaker is open) or the queue is full; while Elasticsearch is taking events, the request
    // is read and waits in submit() for room, as it would before spilling to a spool.
    if (durability === 'memory' && spool === undefined && this.budget.overHighWater && (!this.d.sendAllowed() || this.budget.heldBytes >= this.budget.maxBytes)) {
      return { ok: false, status: 429, reason: 'over_high_water', retryAfterSeconds: this.retryAfter() };
    }
    const needsSpool = durability === 'durable' || !this.d.sendAllowed() || this.budget.overHighWater;
    if (spool !== undefined && needsSpool && this.now() < this.spoolFullUntil) {
      return { ok: false, status: 503, reason: 'spool_full', retryAfterSeconds: 30 };
    }
    return { ok: true };
  }

  /** Counts a request as on its way to submit() until its done(), called before it submits. */
  arrival(): Arrival {
    this.arriving++;
    let open = true;
    return {
      done: () => {
        if (!open) return;
        open = false;
        this.arriving--;
      },
    };
  }

  /** Accepts all of the events or none. Resolves once they are queued (or durably spooled). */
  async submit(blocks: readonly EventBlock[]): Promise<Admission> {
    const ranges = blocks.map(wholeBlock);
    const { spool, durability } = this.d;
    // A request still being read when shutdown began: nothing may be acknowledged any more.
    if (this.closing) return { ok: false, status: 503, reason: 'closing', retryAfterSeconds: 5 };
    if (durability === 'memory' && this.d.sendAllowed() && this.budget.overHighWater) {
      // Elasticsearch is up but slower than intake: hold this request (its socket is not read
      // meanwhile, nor other requests' past the intake bound) for a while before spilling to the
      // spool — or, without one, before answering 429 — so a healthy cluster sets the pace,
      // not a round trip through the disk or the client's back-off (bench/README.md, "Over high
      // water: wait before spilling or refusing").
      await this.waitBelowHighWater(this.d.spillAfterMs);
      if (this.closing) return { ok: false, status: 503, reason: 'closing', retryAfterSeconds: 5 };
    }
    if (durability === 'memory' && (spool === undefined || (this.d.sendAllowed() && !this.budget.overHighWater))) {
      if (spool === undefined && this.budget.overHighWater) return { ok: false, status: 429, reason: 'over_high_water', retryAfterSeconds: this.retryAfter() };
      if (this.budget.tryReserve(memoryOf(ranges), countOf(ranges))) {
        this.dispatcher.enqueue(ranges);
        return { ok: true };
      }
      if (spool === undefined) return { ok: false, status: 429, reason: 'queue_full', retryAfterSeconds: this.retryAfter() };
    }
    if (spool === undefined) throw new Error('unreachable: durable mode without a spool');
    return this.appendToSpool(ranges, durability === 'durable', this.arriving === 0);
  }

  /** Flushes what is held (bounded), spools what could not be flushed, closes the spool. */
  async close(timeoutMs: number): Promise<number> {
    this.closing = true;
    // Deliver what is held — in memory and in the spool — while Elasticsearch takes it, within
    // the bound; stop early when the breaker is open (it all stays in, or goes to, the spool).
    this.dispatcher.startDraining();
    const deadline = this.now() + timeoutMs;
    while (this.now() < deadline && this.d.sendAllowed() && (this.undeliveredEvents > 0 || this.spoolAppends > 0)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.replayer?.stop();
    const spool = this.d.spool;
    if (spool !== undefined) {
      this.park(this.dispatcher.takeAllHeld());
      while (this.spoolAppends > 0) await new Promise((r) => setTimeout(r, 5));
    }
    this.dispatcher.close();
    // Whatever is still held in memory now could go nowhere: it is lost, and said so.
    const lost = this.budget.heldEvents;
    await spool?.close();
    return lost;
  }

  private async waitBelowHighWater(maxMs: number): Promise<void> {
    const deadline = this.now() + maxMs;
    while (this.budget.overHighWater && this.d.sendAllowed() && !this.closing && this.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * `deliver`: hand the events to the dispatcher once they are durable, when replay is caught up
   * (Replayer.deliverWritten). `syncAtOnce`: see SpoolPort.append.
   */
  private async appendToSpool(ranges: readonly EventRange[], deliver: boolean, syncAtOnce: boolean): Promise<Admission> {
    const spool = this.d.spool as SpoolPort;
    const replayer = this.replayer as Replayer;
    // The spool stores bytes, not callbacks: ack=indexed outcomes find their way back by id.
    forEachEvent(ranges, (b, i) => {
      const onDone = b.onDone;
      if (onDone !== undefined) this.waiters.register(indexAt(b, i), idAt(b, i), (outcome) => onDone(i, outcome));
    });
    const events = spoolBatchOfRanges(ranges);
    this.spoolAppends++;
    try {
      const handOut = deliver && replayer.mayDeliverWritten();
      const position = await inSpan('es-gateway spool append', { 'es_gateway.events': events.length }, linksTo(ranges.map((r) => r.lines.trace)), () => (handOut ? spool.appendForDelivery(events, syncAtOnce) : spool.append(events, syncAtOnce)));
      this.d.metrics.spooledEvents.inc(events.length);
      if (position === undefined) replayer.kick();
      else replayer.deliverWritten(position, ranges);
      return { ok: true };
    } catch (err) {
      if (isSpoolFull(err)) {
        // Refuse the next requests that would need the spool up front, for a second.
        this.spoolFullUntil = this.now() + 1000;
        return { ok: false, status: 503, reason: 'spool_full', retryAfterSeconds: 30 };
      }
      this.d.log.error({ err }, 'spool append failed');
      return { ok: false, status: 503, reason: 'spool_error', retryAfterSeconds: 5 };
    } finally {
      this.spoolAppends--;
    }
  }

  /**
   * Events the dispatcher cannot send now: spool-read ones go back to the spool; live ones into
   * it. Live events stay counted in the memory budget until the spool has them, so memory stays
   * bounded however slow the disk is; if the spool cannot take them they stay in memory and are
   * tried again (never dropped).
   */
  private park(ranges: EventRange[]): void {
    const live: EventRange[] = [];
    for (const r of ranges) {
      const handBack = r.lines.handBack;
      if (handBack === undefined) {
        live.push(r);
        continue;
      }
      this.budget.release(rangeMemory(r), r.to - r.from);
      for (let i = r.from; i < r.to; i++) handBack(i);
    }
    if (live.length > 0) void this.spoolLive(live);
  }

  /**
   * Appends live events to the spool a chunk (batchMaxDocs events) at a time, so the records
   * being encoded stay small however much is parked at once (a whole queue when the breaker
   * opens); a chunk the spool cannot take stays in memory and is tried again.
   */
  private async spoolLive(live: EventRange[]): Promise<void> {
    this.spoolAppends++; // close() waits for the whole park, not only the chunk being written
    try {
      for (const chunk of chunkRanges(live, this.d.config.batchMaxDocs)) {
        const admission = await this.appendToSpool(chunk, false, false);
        const count = countOf(chunk);
        if (admission.ok) {
          this.budget.release(memoryOf(chunk), count);
          continue;
        }
        if (this.now() - this.lastKeptLog > 10_000) {
          this.lastKeptLog = this.now();
          this.d.log.warn({ events: count, held: this.budget.heldEvents, reason: admission.reason }, 'could not spool events; keeping them in memory and retrying (logged at most every 10 s)');
        }
        this.dispatcher.retryLater(chunk, 1000);
      }
    } finally {
      this.spoolAppends--;
    }
  }

  private retryAfter(): number {
    return Math.min(30, Math.max(1, Math.ceil(this.budget.heldBytes / Math.max(1, this.budget.highWaterBytes))));
  }
}
