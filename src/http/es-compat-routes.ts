// The Elasticsearch-compatible API: the paths, bodies and answers of Elasticsearch's own bulk and
// document APIs, so clients and shippers switch their URL to the gateway and change nothing
// else. Every operation goes through the same pipeline as /v1/events (queue, batcher, dispatcher,
// spool, dead letters) and is answered with its real result.
import os from 'node:os';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config/config.ts';
import { BodyError, checkEncoding, decodedChunks } from '../ingest/body-decoder.ts';
import { acceptedAt, type FramedBulk } from '../ingest/es-bulk-framing.ts';
import type { BulkDefaults } from '../ingest/es-bulk-request.ts';
import type { RequestFraming } from '../ingest/request-framing.ts';
import type { EsApiKeyScope } from '../ingest/es-bulk-ops.ts';
import { WorkerFailedError } from '../ingest/worker-pool.ts';
import { IntakeTimeoutError, type IntakeGate } from '../ingest/intake-gate.ts';
import type { BulkLines } from '../model/bulk-lines.ts';
import { newBlock } from '../model/event-block.ts';
import type { ItemOutcome } from '../model/item-outcome.ts';
import { AckTracker } from '../pipeline/ack-tracker.ts';
import type { Arrival, Pipeline } from '../pipeline/pipeline.ts';
import type { EsClient } from '../sink/es-client.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { bulkAnswerJson, documentAnswer, esError, itemAnswer } from './es-compat-answers.ts';
import { activeTraceLink, annotateActiveSpan } from '../telemetry/tracing.ts';
import { esCompatSchemas } from './es-compat-schemas.ts';
import { closeAfterAnswer } from './close-after-answer.ts';

export interface EsCompatDeps {
  config: GatewayConfig;
  pipeline: Pipeline;
  metrics: Metrics;
  intake: IntakeGate;
  es: EsClient;
  framing: RequestFraming;
  accepting: () => boolean;
  now: () => number;
}

/** The metrics' stream label of operations that came through this API. */
export const ES_API_STREAM = '_es_api';
/** What the gateway says it is when a client asks (`GET /`): the version of the 8.x API it speaks. */
const SPOKEN_VERSION = '8.19.0';

interface BulkQuery { routing?: string; pipeline?: string; require_alias?: string; require_data_stream?: string; refresh?: string }

const NEWLINE = Buffer.from('\n');
const ANY = { access: { kind: 'es', op: 'any' } } as const;
const INGEST = { access: { kind: 'es', op: 'ingest' } } as const;

const boolParam = (v: string | undefined): boolean | undefined => (v === undefined ? undefined : v === '' || v === 'true');

/** Answers serialised here: Elasticsearch's shapes have keys no response schema lists. */
function json(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** What the bulk check needs of the request's key (auth on): each operation's index is checked against it. */
function keyScopeOf(request: FastifyRequest): EsApiKeyScope | undefined {
  const key = request.apiKey;
  return key === undefined ? undefined : { name: key.entry.name, indices: key.entry.indices };
}

class Refusal extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfter: number | undefined;
  /** The body was not read to its end (too large, too late): the connection is closed after the answer. */
  readonly closeConnection: boolean;
  constructor(status: number, body: unknown, retryAfter?: number, closeConnection = false) {
    super('refused');
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
    this.closeConnection = closeConnection;
  }
}

/** Elasticsearch's error type for a body the decoder refused, by status. */
const ES_BODY_ERROR: Record<number, string> = { 413: 'content_too_long_exception', 408: 'timeout_exception' };

const refusal = (status: number, type: string, reason: string, retryAfter?: number) => new Refusal(status, esError(status, type, reason), retryAfter);

export function registerEsCompatRoutes(app: FastifyInstance, deps: EsCompatDeps): void {
  const { config, pipeline, metrics } = deps;

  /** The request body, decoded (gzip, deflate) and within the body limits, read under the intake bound. */
  async function readBody(request: FastifyRequest): Promise<Buffer> {
    const encodingProblem = checkEncoding(request.headers['content-encoding']);
    if (encodingProblem !== undefined) throw refusal(400, 'illegal_argument_exception', encodingProblem.message);
    const ticket = deps.intake.open();
    try {
      const parts: Buffer[] = [];
      // No body at all (no Content-Type, nothing sent): Fastify ran no parser, and the body is empty.
      const payload = request.body === undefined || request.body === null ? Readable.from([]) : request.body as Readable;
      for await (const chunk of ticket.chunks(decodedChunks(payload, request.headers['content-encoding'], config.limits))) parts.push(chunk);
      return Buffer.concat(parts);
    } catch (err) {
      if (err instanceof IntakeTimeoutError) throw refusal(429, 'es_rejected_execution_exception', 'the gateway is reading as much as it may at once; retry', 5);
      if (err instanceof BodyError) throw new Refusal(err.status, esError(err.status, ES_BODY_ERROR[err.status] ?? 'parse_exception', err.message), undefined, err.status === 413 || err.status === 408);
      throw err;
    } finally {
      ticket.close();
    }
  }

  /** Parses and checks a bulk body (on a framing worker when it is large): its operations, in the order of their answers. */
  async function opsOf(body: Buffer, defaults: BulkDefaults, keyScope: EsApiKeyScope | undefined): Promise<FramedBulk> {
    let framed;
    try {
      framed = await deps.framing.frameBulk(body, defaults, keyScope);
    } catch (err) {
      if (err instanceof WorkerFailedError) throw refusal(503, 'es_rejected_execution_exception', 'the worker thread processing this request failed; nothing was accepted; retry', 5);
      throw err;
    }
    if (!framed.ok) throw new Refusal(framed.status, framed.body);
    return framed;
  }

  /**
   * Hands the accepted operations to the pipeline; resolves with their outcomes (in order) once
   * Elasticsearch answered every one or the ack timeout passed — at once in `accepted` mode.
   */
  async function submit(lines: BulkLines | undefined, arrival: Arrival): Promise<(ItemOutcome | undefined)[]> {
    arrival.done();
    if (lines === undefined) return [];
    const count = lines.idEnds.length;
    if (!deps.accepting()) throw refusal(503, 'node_closed_exception', 'the gateway is shutting down; retry against another instance', 5);
    const admission = pipeline.admitRequest();
    if (!admission.ok) throw refusal(admission.status, 'es_rejected_execution_exception', 'the gateway holds as many events as it may; nothing was accepted', admission.retryAfterSeconds);
    const wait = config.esApi.ack === 'indexed';
    const acks = wait ? new AckTracker(count) : undefined;
    const block = newBlock(lines, { stream: ES_API_STREAM, acceptedAt: deps.now(), kind: 'op' }, { onDone: acks === undefined ? undefined : (i, outcome) => acks.record(i, outcome), trace: activeTraceLink() });
    annotateActiveSpan({ 'es_gateway.stream': ES_API_STREAM, 'es_gateway.events': count });
    const submitted = await pipeline.submit([block]);
    if (!submitted.ok) throw refusal(submitted.status, 'es_rejected_execution_exception', submitted.reason === 'closing' ? 'the gateway began shutting down; nothing was accepted' : 'the gateway cannot take these operations now; nothing was accepted', submitted.retryAfterSeconds);
    metrics.eventsAccepted.inc({ stream: ES_API_STREAM }, count);
    if (acks === undefined) return new Array<undefined>(count).fill(undefined);
    return (await acks.wait(config.ackTimeoutMs)).outcomes;
  }

  /** `refresh=true|wait_for`: the indices written are refreshed before the answer (both mean: visible to search now). */
  async function refreshIfAsked(refresh: string | undefined, lines: BulkLines | undefined): Promise<void> {
    if (refresh === undefined || refresh === 'false' || config.esApi.ack === 'accepted' || lines === undefined) return;
    const indices = lines.indexNames.map(encodeURIComponent).join(',');
    await deps.es.request({ method: 'POST', path: `/${indices}/_refresh?ignore_unavailable=true&allow_no_indices=true` }).catch(() => undefined);
  }

  function fail(reply: FastifyReply, err: unknown): FastifyReply {
    if (!(err instanceof Refusal)) throw err;
    if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
    if (err.closeConnection) closeAfterAnswer(reply);
    return json(reply, err.status, err.body);
  }


  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    // The official clients check it on every answer (their product check).
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('x-elastic-product', 'Elasticsearch');
      return payload;
    });

    const info = (request: FastifyRequest) => ({
      name: os.hostname(),
      cluster_name: 'es-gateway',
      cluster_uuid: '_na_',
      version: { number: SPOKEN_VERSION, build_flavor: 'default', lucene_version: '9.12.2', minimum_wire_compatibility_version: '7.17.0', minimum_index_compatibility_version: '7.0.0' },
      tagline: `es-gateway in front of Elasticsearch (you asked ${request.headers.host ?? 'it'})`,
    });
    scope.get('/', { schema: esCompatSchemas.info, config: ANY }, async (request, reply) => json(reply, 200, info(request)));
    // HEAD / is Fastify's own for this GET route: the same status and headers, no body.

    // A sniffing client asks for the cluster's nodes: it is told of the gateway alone, at the
    // address it used, so it keeps talking to the gateway.
    const nodes = async (request: FastifyRequest, reply: FastifyReply) => json(reply, 200, {
      _nodes: { total: 1, successful: 1, failed: 0 },
      cluster_name: 'es-gateway',
      nodes: {
        'es-gateway': {
          name: os.hostname(),
          host: (request.headers.host ?? request.hostname).replace(/:\d+$/, ''),
          ip: request.socket.localAddress ?? '127.0.0.1',
          version: SPOKEN_VERSION,
          roles: ['data', 'ingest', 'master'],
          http: { bound_address: [`${request.socket.localAddress}:${request.socket.localPort}`], publish_address: request.headers.host ?? `${request.socket.localAddress}:${request.socket.localPort}` },
        },
      },
    });
    scope.get('/_nodes/http', { schema: esCompatSchemas.nodes, config: ANY }, nodes);
    scope.get('/_nodes/_all/http', { schema: esCompatSchemas.nodes, config: ANY }, nodes);

    const bulk = async (request: FastifyRequest<{ Params: { index?: string }; Querystring: BulkQuery }>, reply: FastifyReply) => {
      const started = deps.now();
      const q = request.query;
      const arrival = pipeline.arrival();
      try {
        const framed = await opsOf(await readBody(request), {
          ...(request.params.index === undefined ? {} : { index: request.params.index }),
          ...(q.routing === undefined ? {} : { routing: q.routing }),
          ...(q.pipeline === undefined ? {} : { pipeline: q.pipeline }),
          ...(boolParam(q.require_alias) === undefined ? {} : { requireAlias: boolParam(q.require_alias) }),
          ...(boolParam(q.require_data_stream) === undefined ? {} : { requireDataStream: boolParam(q.require_data_stream) }),
        }, keyScopeOf(request));
        const outcomes = await submit(framed.lines, arrival);
        await refreshIfAsked(q.refresh, framed.lines);
        return reply.code(200).type('application/json; charset=utf-8').send(bulkAnswerJson(framed, outcomes, deps.now() - started));
      } catch (err) {
        return fail(reply, err);
      } finally {
        arrival.done();
      }
    };
    for (const url of ['/_bulk', '/:index/_bulk']) {
      scope.post(url, { schema: esCompatSchemas.bulk, config: INGEST }, bulk);
      scope.put(url, { schema: esCompatSchemas.bulk, config: INGEST }, bulk);
    }

    /** One document: a bulk of one operation, answered as Elasticsearch answers the document APIs. */
    const single = (action: 'index' | 'create') => async (request: FastifyRequest<{ Params: { index: string; id?: string }; Querystring: BulkQuery & { op_type?: string } }>, reply: FastifyReply) => {
      const { index, id } = request.params;
      const q = request.query;
      const opType = action === 'create' || q.op_type === 'create' ? 'create' : 'index';
      const arrival = pipeline.arrival();
      const meta: Record<string, unknown> = { _index: index, ...(id === undefined ? {} : { _id: id }), ...(q.routing === undefined ? {} : { routing: q.routing }), ...(q.pipeline === undefined ? {} : { pipeline: q.pipeline }) };
      try {
        // The document is the body; it is checked and written exactly as a bulk item would be. Raw
        // line breaks in valid JSON are whitespace (inside strings they are escaped): as spaces the
        // document is one bulk source line, byte for byte otherwise.
        const doc = Buffer.from((await readBody(request)).map((b) => (b === 0x0a || b === 0x0d ? 0x20 : b)));
        if (doc.toString('utf8').trim() === '') throw refusal(400, 'parse_exception', 'request body is required');
        const framed = await opsOf(Buffer.concat([Buffer.from(`${JSON.stringify({ [opType]: meta })}\n`), doc, NEWLINE]), {}, keyScopeOf(request));
        if (framed.replyActions.length === 0) throw refusal(400, 'action_request_validation_exception', 'Validation Failed: 1: no requests added;');
        const [refused] = framed.refused;
        if (refused !== undefined || framed.lines === undefined) {
          const answer = documentAnswer({ status: refused?.status, error: refused?.error });
          return json(reply, answer.status, answer.body);
        }
        const [outcome] = await submit(framed.lines, arrival);
        await refreshIfAsked(q.refresh, framed.lines);
        const answer = documentAnswer(itemAnswer(acceptedAt(framed.lines, 0), outcome));
        return json(reply, answer.status, answer.body);
      } catch (err) {
        return fail(reply, err);
      } finally {
        arrival.done();
      }
    };
    scope.post('/:index/_doc', { schema: esCompatSchemas.docAutoId, config: INGEST }, single('index'));
    for (const method of ['put', 'post'] as const) {
      scope[method]('/:index/_doc/:id', { schema: esCompatSchemas.doc, config: INGEST }, single('index'));
      scope[method]('/:index/_create/:id', { schema: esCompatSchemas.create, config: INGEST }, single('create'));
    }
  });
}
