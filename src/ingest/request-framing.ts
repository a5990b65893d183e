// Where a request body is framed: on the main thread, or by a framing worker thread. Framing,
// JSON.parse, schema validation and the envelope are most of the gateway's CPU per event, and
// the main thread also has HTTP, batching and the bulk requests to do; with workers that work
// runs on the other cores. Bodies under `minWorkerBytes` (decoded) stay on the main thread, where
// a hand-off would cost more than it saves, as does everything while the pool is starting.
//
// Both paths give the same FramedRequest and the same errors (the worker path only samples the
// clock once per request, for ids and missing @timestamps).
import { availableParallelism } from 'node:os';
import type { GatewayConfig, IngestLimits } from '../config/config.ts';
import { WorkerPool } from '../pipeline/worker-pool.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { BodyError } from './body-decoder.ts';
import { frameBody, frameJson, frameNdjson, type BodyFormat, type FramedRequest } from './frame-request.ts';
import { unpackFrames, type PackedFrames } from './framed-transfer.ts';
import type { StreamContext, StreamRegistryConfig } from './stream-context.ts';

export interface FramingWorkerData {
  streams: StreamRegistryConfig;
  limits: IngestLimits;
}

export interface FramingTask {
  format: BodyFormat;
  stream: string;
  body: Uint8Array;
  idempotencyKey: string | undefined;
  now: number;
}

export type FramingOutcome =
  | { packed: PackedFrames }
  | { bodyError: { status: number; slug: string; title: string; detail: string; extensions: Record<string, unknown> } };

export interface RequestFraming {
  frame(format: BodyFormat, chunks: AsyncIterable<Buffer>, ctx: StreamContext, idempotencyKey: string | undefined): Promise<FramedRequest>;
  /** Starts the workers (if any) and resolves once they are ready. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

/** Workers to run: the configured count, or one per core for `auto`. */
export function framingWorkerCount(setting: number | 'auto'): number {
  return setting === 'auto' ? availableParallelism() : setting;
}

const WORKER_FILE = new URL(import.meta.url.endsWith('.ts') ? './framing-worker.ts' : './framing-worker.js', import.meta.url);

export function createRequestFraming(config: GatewayConfig, metrics: Metrics, now: () => number, onWorkerFailed: (err: Error) => void): RequestFraming {
  const limits = config.limits;
  const { workers, minWorkerBytes, workerIdleMs } = config.framing;
  const size = framingWorkerCount(workers);
  if (size === 0) {
    return {
      frame: (format, chunks, ctx, key) => {
        metrics.framedRequests.inc({ thread: 'main' });
        return format === 'ndjson' ? frameNdjson(chunks, ctx, limits, key) : frameJson(chunks, ctx, limits, key);
      },
      warm: async () => {},
      close: async () => {},
    };
  }
  const workerData: FramingWorkerData = {
    streams: { streams: config.streams, idField: config.idField, defaultIndexPattern: config.defaultIndexPattern, unknownStreams: config.unknownStreams },
    limits,
  };
  const pool = new WorkerPool<FramingTask, FramingOutcome>({
    file: WORKER_FILE,
    size,
    workerData,
    idleMs: workerIdleMs,
    onWorkerCount: (n) => metrics.framingWorkers.set(n),
    onWorkerFailed,
  });
  return {
    async frame(format, chunks, ctx, key) {
      const parts: Buffer[] = [];
      let total = 0;
      for await (const chunk of chunks) {
        parts.push(chunk);
        total += chunk.length;
      }
      // A buffer of its own (not a slice of Node's shared pool), so it can be transferred.
      const body = new Uint8Array(total);
      let at = 0;
      for (const p of parts) {
        body.set(p, at);
        at += p.length;
      }
      const task = total < minWorkerBytes ? undefined : pool.run({ format, stream: ctx.stream, body, idempotencyKey: key, now: now() }, [body.buffer]);
      if (task === undefined) {
        metrics.framedRequests.inc({ thread: 'main' });
        return frameBody(format, Buffer.from(body.buffer, 0, total), ctx, limits, key);
      }
      metrics.framedRequests.inc({ thread: 'worker' });
      const outcome = await task;
      if ('bodyError' in outcome) {
        const e = outcome.bodyError;
        throw new BodyError(e.status, e.slug, e.title, e.detail, e.extensions);
      }
      return unpackFrames(outcome.packed);
    },
    warm: () => pool.warm(),
    close: () => pool.close(),
  };
}
