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
import { WorkerPool } from './worker-pool.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { BodyError } from './body-decoder.ts';
import { frameBody, frameJson, frameNdjson, tooManyEvents, type BodyFormat, type EventError, type FramedRequest } from './frame-request.ts';
import { ByteChunks } from './byte-chunks.ts';
import { FramingSpeeds, mainThreadShare } from './framing-share.ts';
import { splitAtNewlines } from './ndjson-framer.ts';
import type { StreamContext, StreamRegistryConfig } from './stream-context.ts';
import { esApiAccess, type EsApiAccessConfig, type EsApiKeyScope } from './es-bulk-ops.ts';
import { frameBulkBody, type BulkFraming } from './es-bulk-framing.ts';
import type { BulkDefaults } from './es-bulk-request.ts';
import { createIdGenerator } from './ids.ts';

export interface FramingWorkerData {
  streams: StreamRegistryConfig;
  limits: IngestLimits;
  esApi: EsApiAccessConfig;
}

export interface FramingTask {
  format: BodyFormat;
  stream: string;
  body: Uint8Array;
  /** Number of the body's first line (an NDJSON body may be a later part of the request's). */
  firstLine: number;
  idempotencyKey: string | undefined;
  now: number;
}

/** A bulk body of the Elasticsearch-compatible API, framed whole (its operations are pairs of lines or single lines: only parsing tells where one ends). */
export interface BulkFramingTask {
  format: 'es-bulk';
  body: Uint8Array;
  defaults: BulkDefaults;
  /** The request's API key (auth on): each operation's index is checked against it too. */
  key: EsApiKeyScope | undefined;
  now: number;
}

export type WorkerTask = FramingTask | BulkFramingTask;

export type FramingOutcome =
  | { framed: FramedRequest }
  | { bodyError: { status: number; slug: string; title: string; detail: string; extensions: Record<string, unknown> } };


export const wireError = (e: BodyError): FramingOutcome => ({ bodyError: { status: e.status, slug: e.slug, title: e.title, detail: e.message, extensions: e.extensions } });

export interface RequestFraming {
  frame(format: BodyFormat, chunks: AsyncIterable<Buffer>, ctx: StreamContext, idempotencyKey: string | undefined): Promise<FramedRequest>;
  /** Frames a bulk body of the Elasticsearch-compatible API (whole, on one thread). */
  frameBulk(body: Buffer, defaults: BulkDefaults, key: EsApiKeyScope | undefined): Promise<BulkFraming>;
  /** Starts the workers (if any) and resolves once they are ready. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Workers to run: the configured count, or for `auto` one per core besides the main thread's
 * (which is busy too: HTTP, batching, bulk requests). Not more: each worker adds to peak RSS, and
 * on 2 cores a second one did not clearly beat one (bench/README.md, "Framing worker threads").
 */
export function framingWorkerCount(setting: number | 'auto'): number {
  return setting === 'auto' ? availableParallelism() - 1 : setting;
}

/**
 * How a large NDJSON body is shared out. While the workers are busy with earlier bodies (the
 * gateway is loaded: throughput counts), by weights: WORKER_WEIGHT per worker, MAIN_THREAD_WEIGHT
 * for the main thread, which has HTTP, batching and bulk requests to do too. When they are idle
 * (latency counts), the share at which all finish together (framing-share.ts): at least the
 * weighted share, leaving the workers at least as much, and at most a quarter of the body or
 * MAIN_SHARE_MAX_BYTES (about 20 ms of framing), whichever is more, so a huge body does not hold
 * the event loop long. A piece under MIN_PIECE_BYTES is not worth cutting off (bench/README.md,
 * "The main thread's share of framing").
 */
const WORKER_WEIGHT = 3;
const MAIN_THREAD_WEIGHT = 1;
const MAIN_SHARE_MAX_BYTES = 1024 * 1024;
const MIN_PIECE_BYTES = 8 * 1024;
const INITIAL_BYTES_PER_MS = 50_000;

/** A worker's answer: the outcome (a BulkFraming for a BulkFramingTask), and how long framing took it. */
export interface WorkerFramed {
  outcome: FramingOutcome | BulkFraming;
  ms: number;
}

const WORKER_FILE = new URL(import.meta.url.endsWith('.ts') ? './framing-worker.ts' : './framing-worker.js', import.meta.url);

/**
 * The parts' answers as one request's, as if framed in one go: the first part's request-level
 * error wins, and the event limit counts across parts. (Framed in one go, a request over the
 * event limit stops at the limit; as parts, a later part's own 413 may be the one reported.)
 */
function mergeParts(outcomes: FramingOutcome[], limits: IngestLimits): FramedRequest {
  const framed: FramedRequest[] = [];
  for (const o of outcomes) {
    if ('bodyError' in o) {
      const e = o.bodyError;
      throw new BodyError(e.status, e.slug, e.title, e.detail, e.extensions);
    }
    framed.push(o.framed); // (a worker's bulk lines arrive as Uint8Arrays; newBlock makes them Buffers)
  }
  if (framed.length === 1) return framed[0] as FramedRequest;
  let count = 0;
  for (const f of framed) count += f.accepted + f.rejected;
  if (count > limits.maxEventsPerRequest) throw tooManyEvents(limits);
  const accepted = framed.reduce((n, f) => n + f.accepted, 0);
  const positions = new Int32Array(accepted);
  const errors: EventError[] = [];
  let at = 0;
  let rejected = 0;
  const rejectedBy: Record<string, number> = {};
  for (const f of framed) {
    positions.set(f.positions, at);
    at += f.accepted;
    rejected += f.rejected;
    for (const [reason, n] of Object.entries(f.rejectedBy)) rejectedBy[reason] = (rejectedBy[reason] ?? 0) + n;
    for (const e of f.errors) if (errors.length < limits.maxReportedErrors) errors.push(e);
  }
  return { parts: framed.flatMap((f) => f.parts), accepted, positionKind: 'line', positions, rejected, rejectedBy, errors };
}

export function createRequestFraming(config: GatewayConfig, metrics: Metrics, now: () => number, onWorkerFailed: (err: Error) => void): RequestFraming {
  const limits = config.limits;
  const { workers, minWorkerBytes, workerIdleMs } = config.framing;
  const size = framingWorkerCount(workers);
  const access = esApiAccess(config.esApi);
  const newId = createIdGenerator(now);
  const frameBulkOnMainThread = (body: Buffer, defaults: BulkDefaults, key: EsApiKeyScope | undefined): BulkFraming => {
    metrics.framedRequests.inc({ thread: 'main' });
    return frameBulkBody(body, defaults, key === undefined ? access : esApiAccess(config.esApi, key), newId);
  };
  if (size === 0) {
    return {
      frame: (format, chunks, ctx, key) => {
        metrics.framedRequests.inc({ thread: 'main' });
        return format === 'ndjson' ? frameNdjson(chunks, ctx, limits, key) : frameJson(chunks, ctx, limits, key);
      },
      frameBulk: async (body, defaults, key) => frameBulkOnMainThread(body, defaults, key),
      warm: async () => {},
      close: async () => {},
    };
  }
  const workerData: FramingWorkerData = {
    streams: { streams: config.streams, idField: config.idField, defaultIndexPattern: config.defaultIndexPattern, unknownStreams: config.unknownStreams, limits: config.limits },
    limits,
    esApi: { indices: config.esApi.indices, pipelines: config.esApi.pipelines },
  };
  const speeds = new FramingSpeeds(INITIAL_BYTES_PER_MS);
  let workerTasks = 0; // handed to workers, not answered yet
  const frameOnMainThread = (task: FramingTask, ctx: StreamContext): FramingOutcome => {
    const started = performance.now();
    try {
      return { framed: frameBody(task.format, Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength), ctx, limits, task.idempotencyKey, task.firstLine) };
    } catch (err) {
      if (err instanceof BodyError) return wireError(err);
      throw err;
    } finally {
      speeds.record('main', task.body.byteLength, performance.now() - started);
    }
  };
  const pool = new WorkerPool<WorkerTask, WorkerFramed>({
    file: WORKER_FILE,
    size,
    workerData,
    idleMs: workerIdleMs,
    onWorkerCount: (n) => metrics.framingWorkers.set(n),
    onWorkerFailed,
  });
  const onWorker = (task: FramingTask): Promise<FramingOutcome> | undefined => {
    const bytes = task.body.byteLength;
    const running = pool.run(task, [task.body.buffer as ArrayBuffer]);
    if (running === undefined) return undefined;
    workerTasks++;
    return running.then((r) => {
      speeds.record('worker', bytes, r.ms);
      return r.outcome as FramingOutcome;
    }).finally(() => {
      workerTasks--;
    });
  };
  return {
    async frame(format, chunks, ctx, key) {
      const read: Buffer[] = [];
      for await (const chunk of chunks) read.push(chunk);
      const body = new ByteChunks(read);
      const total = body.length;
      const ready = total < minWorkerBytes ? 0 : pool.ready;
      // The main thread's share of an NDJSON body (a JSON body goes to one worker whole).
      const byWeight = Math.floor((total * MAIN_THREAD_WEIGHT) / (MAIN_THREAD_WEIGHT + ready * WORKER_WEIGHT));
      let mainBytes = ready === 0 || format !== 'ndjson' ? 0
        : workerTasks > 0 ? byWeight
          : mainThreadShare(total, ready, speeds, byWeight, Math.min(total - byWeight, Math.max(total / 4, MAIN_SHARE_MAX_BYTES)));
      if (mainBytes < MIN_PIECE_BYTES) mainBytes = 0;
      if (ready === 0) {
        if (total >= minWorkerBytes) pool.ensureStarted(); // for the requests after this one
        metrics.framedRequests.inc({ thread: 'main' });
        const started = performance.now();
        try {
          return frameBody(format, read.length === 1 ? read[0] as Buffer : Buffer.concat(read, total), ctx, limits, key);
        } finally {
          if (total >= minWorkerBytes) speeds.record('main', total, performance.now() - started);
        }
      }
      metrics.framedRequests.inc({ thread: 'worker' });
      const acceptedAt = now();
      // A large NDJSON body is cut into one part per ready worker (and one for the main thread),
      // so its framing runs in parallel too (lower latency per request, not only more requests
      // at once). The main thread's piece is the last one: the workers have theirs by then.
      const workerBytes = total - mainBytes;
      const workerParts = format === 'json' ? 1 : Math.max(1, Math.min(ready, Math.floor(workerBytes / Math.max(1, minWorkerBytes))));
      const weights = [...new Array<number>(workerParts).fill(workerBytes / workerParts), ...(mainBytes > 0 ? [mainBytes] : [])];
      const pieces = weights.length === 1 ? [{ start: 0, end: total, firstLine: 1 }] : splitAtNewlines(body, weights);
      const mainPiece = mainBytes > 0 && pieces.length === weights.length ? pieces.length - 1 : -1;
      const tasks = pieces.map((part, i) => {
        // Each part in a buffer of its own (not a slice of Node's shared pool): it is transferred.
        const bytes = body.copy(part.start, part.end);
        const task: FramingTask = { format, stream: ctx.stream, body: bytes, firstLine: part.firstLine, idempotencyKey: key, now: acceptedAt };
        // A throw there becomes this part's rejection, so the workers' answers are still awaited.
        return (i === mainPiece ? undefined : onWorker(task)) ?? new Promise<FramingOutcome>((resolve) => resolve(frameOnMainThread(task, ctx)));
      });
      read.length = 0; // the chunks are copied into the parts: let them go while the workers frame
      return mergeParts(await Promise.all(tasks), limits);
    },
    async frameBulk(body, defaults, key) {
      if (body.length < minWorkerBytes || pool.ready === 0) {
        if (body.length >= minWorkerBytes) pool.ensureStarted();
        return frameBulkOnMainThread(body, defaults, key);
      }
      // The body in a buffer of its own (not a slice of a shared one): it is transferred.
      const own = body.byteOffset === 0 && body.buffer.byteLength === body.length ? body : Buffer.from(body);
      const task: BulkFramingTask = { format: 'es-bulk', body: own, defaults, key, now: now() };
      const running = pool.run(task, [own.buffer as ArrayBuffer]);
      if (running === undefined) return frameBulkOnMainThread(body, defaults, key);
      metrics.framedRequests.inc({ thread: 'worker' });
      workerTasks++;
      try {
        return (await running).outcome as BulkFraming;
      } finally {
        workerTasks--;
      }
    },
    warm: () => pool.warm(),
    close: () => pool.close(),
  };
}
