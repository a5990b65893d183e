// POST /v1/events/{stream}: the ingest API. The route only speaks HTTP: it decodes and frames
// the body through ingest/, hands enveloped events to the pipeline and answers.
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../config/config.ts';
import { BodyError, checkEncoding, decodedChunks } from '../ingest/body-decoder.ts';
import { IntakeTimeoutError, type IntakeGate } from '../ingest/intake-gate.ts';
import { bodyFormat, positionOf, type FramedRequest } from '../ingest/frame-request.ts';
import type { RequestFraming } from '../ingest/request-framing.ts';
import { WorkerFailedError } from '../ingest/worker-pool.ts';
import type { StreamRegistry } from '../ingest/stream-context.ts';
import { STREAM_NAME } from '../config/streams.ts';
import { AckTracker } from '../pipeline/ack-tracker.ts';
import type { ItemOutcome } from '../model/item-outcome.ts';
import { idAt, indexAt, newBlock, type EventBlock } from '../model/event-block.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { sendProblem } from './problem.ts';
import { activeTraceLink, annotateActiveSpan } from '../telemetry/tracing.ts';
import { closeAfterAnswer } from './close-after-answer.ts';
import { ingestRouteSchema } from './ingest-schemas.ts';

export interface IngestDeps {
  config: GatewayConfig;
  streams: StreamRegistry;
  framing: RequestFraming;
  pipeline: Pipeline;
  metrics: Metrics;
  intake: IntakeGate;
  /** False once shutdown began: new requests get 503. */
  accepting: () => boolean;
  now: () => number;
}

interface IngestQuery {
  ack: 'accepted' | 'indexed';
  atomic: boolean;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

function countsOf(framed: FramedRequest) {
  return { accepted: framed.accepted, rejected: framed.rejected, errors: framed.errors };
}

function itemsOf(framed: FramedRequest, blocks: EventBlock[], outcomes: (ItemOutcome | undefined)[]) {
  const items = [];
  let n = 0;
  for (const b of blocks) {
    for (let i = 0; i < b.count; i++, n++) {
      const o = outcomes[n];
      items.push({
        ...positionOf(framed, n),
        _id: idAt(b, i),
        _index: indexAt(b, i),
        result: o?.result ?? 'pending',
        ...(o === undefined ? {} : { status: o.status }),
        ...(o !== undefined && 'error' in o ? { error: o.error } : {}),
      });
    }
  }
  return items;
}

export function registerIngestRoutes(app: FastifyInstance, deps: IngestDeps): void {
  const { config, streams, pipeline, metrics } = deps;

  // This route reads its body as a stream: no buffering parser, any content type reaches the
  // handler (which answers 415 itself, as problem+json).
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    scope.post<{ Params: { stream: string }; Querystring: IngestQuery }>('/v1/events/:stream', { schema: ingestRouteSchema, config: { access: { kind: 'stream', op: 'ingest' } } }, async (request, reply) => {
      const refuse = (status: number, slug: string, title: string, detail: string, ext: Record<string, unknown> = {}) => {
        metrics.httpRefusals.inc({ status: String(status), reason: slug });
        return sendProblem(request, reply, status, slug, title, detail, ext);
      };
      const { stream } = request.params;
      const { ack, atomic } = request.query;

      if (!deps.accepting()) {
        reply.header('retry-after', '5');
        return refuse(503, 'shutting-down', 'Shutting down', 'the gateway is shutting down and takes no new events; retry against another instance');
      }
      const ctx = streams.get(stream);
      if (ctx === undefined) {
        return STREAM_NAME.test(stream)
          ? refuse(404, 'unknown-stream', 'Unknown stream', `stream "${stream}" is not configured and unknown streams are refused`)
          : refuse(400, 'invalid-stream-name', 'Invalid stream name', 'stream names are 1-100 lowercase letters, digits, "_" and "-", starting with a letter or digit');
      }
      const format = bodyFormat(request.headers['content-type']);
      if (format === undefined) {
        return refuse(415, 'unsupported-media-type', 'Unsupported Content-Type', 'send application/json (one event or an array) or application/x-ndjson (one event per line)');
      }
      const encodingProblem = checkEncoding(request.headers['content-encoding']);
      if (encodingProblem !== undefined) return refuse(encodingProblem.status, encodingProblem.slug, encodingProblem.title, encodingProblem.message);
      const key = request.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
        return refuse(400, 'invalid-idempotency-key', 'Invalid Idempotency-Key', 'Idempotency-Key must be 1-200 visible ASCII characters');
      }
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > config.limits.maxBodyBytes) {
        closeAfterAnswer(reply);
        return refuse(413, 'body-too-large', 'Request body too large', `the request body is larger than ${config.limits.maxBodyBytes} bytes`);
      }
      const admission = pipeline.admitRequest();
      if (!admission.ok) {
        reply.header('retry-after', String(admission.retryAfterSeconds));
        return admission.status === 429
          ? refuse(429, 'overloaded', 'Too many queued events', 'the gateway holds as many events as it may; retry after the indicated delay')
          : refuse(503, 'spool-unavailable', 'Cannot store events', 'the disk spool is full while Elasticsearch is not taking events; nothing was accepted; retry after the indicated delay');
      }

      // Bytes being read count against the intake bound until the events are handed over.
      const ticket = deps.intake.open();
      const arrival = pipeline.arrival();
      let framed: FramedRequest;
      let blocks: EventBlock[];
      let tracker: AckTracker | undefined;
      try {
        try {
          const chunks = ticket.chunks(decodedChunks(request.body as Readable, request.headers['content-encoding'], config.limits));
          framed = await deps.framing.frame(format, chunks, ctx, key);
        } catch (err) {
          if (err instanceof IntakeTimeoutError) {
            closeAfterAnswer(reply.header('retry-after', '5'));
            return refuse(503, 'intake-busy', 'Too many bytes in flight', 'the gateway is reading as much as it may at once and this request waited too long for room; nothing was accepted');
          }
          if (err instanceof WorkerFailedError) {
            reply.header('retry-after', '1');
            return refuse(503, 'framing-failed', 'Could not process the body', 'the worker thread processing this request failed; nothing was accepted; retry after the indicated delay');
          }
          if (!(err instanceof BodyError)) throw err;
          // The rest of an oversized or late body is not read: the connection cannot be reused.
          if (err.status === 413 || err.status === 408) closeAfterAnswer(reply);
          return refuse(err.status, err.slug, err.title, err.message, err.extensions);
        }

        const counts = countsOf(framed);
        for (const [reason, n] of Object.entries(framed.rejectedBy)) metrics.eventsRejected.inc({ stream, reason }, n);
        if (framed.accepted === 0 && framed.rejected === 0) {
          return refuse(400, 'no-events', 'No events', 'the body holds no events');
        }
        if (framed.rejected > 0 && (atomic || framed.accepted === 0)) {
          return refuse(400, 'invalid-events', 'Invalid events', atomic
            ? `${framed.rejected} of ${framed.rejected + framed.accepted} events are invalid; with atomic=true nothing was accepted`
            : `all ${framed.rejected} events are invalid; nothing was accepted`, { ...counts, accepted: 0 });
        }

        const acks = ack === 'indexed' ? new AckTracker(framed.accepted) : undefined;
        tracker = acks;
        const meta = { stream, acceptedAt: deps.now(), kind: 'event' } as const;
        const traced = activeTraceLink();
        let first = 0;
        blocks = framed.parts.map((part) => {
          const offset = first;
          first += part.idEnds.length;
          return newBlock(part, meta, { onDone: acks === undefined ? undefined : (i, outcome) => acks.record(offset + i, outcome), trace: traced });
        });
        arrival.done();
        const submitted = await pipeline.submit(blocks);
        if (!submitted.ok) {
          reply.header('retry-after', String(submitted.retryAfterSeconds));
          if (submitted.reason === 'closing') return refuse(503, 'shutting-down', 'Shutting down', 'the gateway began shutting down while this request was read; nothing was accepted; retry against another instance');
          return submitted.status === 429
            ? refuse(429, 'overloaded', 'Too many queued events', 'these events do not fit in the gateway\'s queue; nothing was accepted; retry after the indicated delay')
            : refuse(503, 'spool-unavailable', 'Cannot store events', submitted.reason === 'spool_full'
              ? 'the disk spool is full while Elasticsearch is not taking events; nothing was accepted; retry after the indicated delay'
              : 'the disk spool could not store these events; nothing was accepted; retry after the indicated delay');
        }
      } finally {
        arrival.done();
        ticket.close();
      }
      metrics.eventsAccepted.inc({ stream }, framed.accepted);
      const counts = countsOf(framed);
      annotateActiveSpan({ 'es_gateway.stream': stream, 'es_gateway.events': framed.accepted, 'es_gateway.rejected': framed.rejected, 'es_gateway.bytes': Number(request.headers['content-length'] ?? 0), 'es_gateway.result': tracker === undefined ? 'accepted' : 'waiting' });
      if (tracker === undefined) return reply.code(202).send(counts);
      const result = await tracker.wait(config.ackTimeoutMs);
      const items = itemsOf(framed, blocks, result.outcomes);
      if (!result.complete) {
        reply.header('retry-after', '5');
        const pending = items.filter((i) => i.result === 'pending').length;
        return sendProblem(request, reply, 503, 'ack-timeout', 'Not indexed in time', `${pending} events were accepted but not confirmed by Elasticsearch within ${config.ackTimeoutMs} ms; they stay queued, and a retry with the same ids is deduplicated`, { ...counts, items });
      }
      const failed = items.some((i) => i.result !== 'created' && i.result !== 'duplicate');
      annotateActiveSpan({ 'es_gateway.result': failed ? 'item_errors' : 'indexed' });
      return reply.code(200).send({ ...counts, itemErrors: failed, items });
    });
  });
}
