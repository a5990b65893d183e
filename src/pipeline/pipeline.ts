// The pipeline behind every ingest source: admission against the memory budget, the queue,
// the batcher and the dispatcher. Routes hand it enveloped events; nothing else reaches the sink.
import type { FastifyBaseLogger } from 'fastify';
import type { PipelineConfig } from '../config/config.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { BulkSink } from '../sink/bulk-sink.ts';
import { Dispatcher } from './dispatcher.ts';
import { eventBytes, type PipelineEvent } from './event.ts';
import { EventQueue } from './event-queue.ts';
import { MemoryBudget } from './memory-budget.ts';

export type Admission =
  | { ok: true }
  | { ok: false; reason: 'queue_full' | 'over_high_water'; retryAfterSeconds: number };

export class Pipeline {
  private readonly budget: MemoryBudget;
  private readonly dispatcher: Dispatcher;

  constructor(config: PipelineConfig, sink: BulkSink, metrics: Metrics, log: FastifyBaseLogger, now: () => number = Date.now) {
    this.budget = new MemoryBudget(config.queueMaxBytes, config.queueHighWaterBytes);
    this.dispatcher = new Dispatcher({ queue: new EventQueue(), budget: this.budget, sink, config, metrics, log, now });
  }

  get overHighWater(): boolean {
    return this.budget.overHighWater;
  }

  get heldEvents(): number {
    return this.budget.heldEvents;
  }

  get heldBytes(): number {
    return this.budget.heldBytes;
  }

  /** Whether a new request may start at all (checked before its body is read). */
  admitRequest(): Admission {
    return this.budget.overHighWater ? { ok: false, reason: 'over_high_water', retryAfterSeconds: this.retryAfter() } : { ok: true };
  }

  /** Accepts all of the events or none (when they do not fit in the memory budget). */
  submit(events: readonly PipelineEvent[]): Admission {
    let bytes = 0;
    for (const e of events) bytes += eventBytes(e);
    if (!this.budget.tryReserve(bytes, events.length)) return { ok: false, reason: 'queue_full', retryAfterSeconds: this.retryAfter() };
    this.dispatcher.enqueue(events);
    return { ok: true };
  }

  /** Flushes everything held, waiting at most timeoutMs; resolves with the events still held. */
  async drain(timeoutMs: number): Promise<number> {
    this.dispatcher.startDraining();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.dispatcher.whenIdle(), new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); })]);
    clearTimeout(timer);
    this.dispatcher.close();
    return this.budget.heldEvents;
  }

  private retryAfter(): number {
    // Roughly how long the held bytes take to clear; at least a second, at most half a minute.
    return Math.min(30, Math.max(1, Math.ceil(this.budget.heldBytes / Math.max(1, this.budget.highWaterBytes))));
  }
}
