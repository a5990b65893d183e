// Entry of a framing worker thread (see request-framing.ts): frames, parses, validates and
// envelopes whole request bodies (or parses and checks the Elasticsearch-compatible API's bulk
// bodies), and hands the events back as bulk lines, by transfer.
import { parentPort, workerData } from 'node:worker_threads';
import { BodyError } from './body-decoder.ts';
import { frameBody } from './frame-request.ts';
import { transferListOf } from './framed-transfer.ts';
import { createStreamRegistry } from './stream-context.ts';
import { wireError, type FramingTask, type FramingWorkerData, type FramingOutcome, type WorkerFramed, type WorkerTask } from './request-framing.ts';
import { esApiAccess } from './es-bulk-ops.ts';
import { bulkTransferList, frameBulkBody, type BulkFraming } from './es-bulk-framing.ts';
import { createIdGenerator } from './ids.ts';

const port = parentPort;
if (port === null) throw new Error('framing-worker.ts runs as a worker thread');
const data = workerData as FramingWorkerData;
// Ids and missing @timestamps use the request's acceptance time, sampled on the main thread.
let taskNow = Date.now();
const streams = createStreamRegistry(data.streams, () => taskNow);
const access = esApiAccess(data.esApi);
const newOpId = createIdGenerator(() => taskNow);

function frame(task: WorkerTask): { outcome: FramingOutcome | BulkFraming; transfer: ArrayBuffer[] } {
  taskNow = task.now;
  if (task.format === 'es-bulk') {
    const framed = frameBulkBody(Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength), task.defaults, task.key === undefined ? access : esApiAccess(data.esApi, task.key), newOpId);
    return { outcome: framed, transfer: bulkTransferList(framed) };
  }
  return frameEvents(task);
}

function frameEvents(task: FramingTask): { outcome: FramingOutcome; transfer: ArrayBuffer[] } {
  const ctx = streams.get(task.stream);
  if (ctx === undefined) throw new Error(`stream ${task.stream} is not known to the framing worker`);
  try {
    const body = Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength);
    const framed = frameBody(task.format, body, ctx, data.limits, task.idempotencyKey, task.firstLine);
    return { outcome: { framed }, transfer: transferListOf(framed) };
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    return { outcome: wireError(err), transfer: [] };
  }
}

port.on('message', ({ id, task }: { id: number; task: WorkerTask }) => {
  try {
    const started = performance.now();
    const { outcome, transfer } = frame(task);
    const result: WorkerFramed = { outcome, ms: performance.now() - started };
    port.postMessage({ id, result }, transfer);
  } catch (err) {
    port.postMessage({ id, error: (err as Error).message });
  }
});
port.postMessage({ ready: true });
