// The search routes: POST and GET /v1/search/{stream}, GET /v1/events/{stream}/{id}. They speak
// HTTP only — the search service (search/) guards, caches and asks Elasticsearch.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STREAM_NAME } from '../config/streams.ts';
import type { SearchOutcome, SearchService } from '../search/search-service.ts';
import { sendProblem } from './problem.ts';
import { annotateActiveSpan } from '../telemetry/tracing.ts';
import { eventGetSchema, searchAnswerSchema, searchGetSchema, searchPostSchema } from './search-schemas.ts';

interface SearchQueryString {
  q?: string;
  from?: string;
  to?: string;
  size?: number;
  offset?: number;
  sort?: string;
  search_after?: string;
  track_total_hits?: string;
}

/** Elasticsearch's limit on an _id, in bytes. */
const MAX_ID_BYTES = 512;

/** The caller's tenant: its key's; with GATEWAY_AUTH=off everyone is one tenant. */
function tenantOf(request: FastifyRequest): string {
  return request.apiKey?.entry.tenant ?? '';
}

function noCache(request: FastifyRequest): boolean {
  const cc = request.headers['cache-control'];
  return typeof cc === 'string' && /(^|,)\s*no-cache\s*(,|$)/i.test(cc);
}

/** The POST body a GET query string means; a string describing the problem when it means none. */
export function bodyOfQueryString(q: SearchQueryString): Record<string, unknown> | string {
  const body: Record<string, unknown> = {};
  if (q.q !== undefined && q.q.trim() !== '') body.query = { simple_query_string: { query: q.q } };
  if (q.from !== undefined) body.from = q.from;
  if (q.to !== undefined) body.to = q.to;
  if (q.size !== undefined) body.size = q.size;
  if (q.offset !== undefined) body.offset = q.offset;
  if (q.sort !== undefined) {
    body.sort = q.sort.split(',').filter((s) => s !== '').map((entry) => {
      const at = entry.lastIndexOf(':');
      const order = at < 0 ? '' : entry.slice(at + 1);
      return order === 'asc' || order === 'desc' ? { [entry.slice(0, at)]: order } : entry;
    });
  }
  if (q.search_after !== undefined) {
    try {
      body.search_after = JSON.parse(q.search_after) as unknown;
    } catch {
      return 'search_after is the previous answer\'s `next` as JSON, e.g. [1764633600000]';
    }
  }
  if (q.track_total_hits !== undefined) {
    const t = q.track_total_hits;
    body.track_total_hits = t === 'true' ? true : t === 'false' ? false : /^\d+$/.test(t) ? Number(t) : t;
  }
  return body;
}

function answer(request: FastifyRequest, reply: FastifyReply, stream: string, outcome: SearchOutcome): FastifyReply {
  switch (outcome.kind) {
    case 'answer':
      reply.header('x-cache', outcome.cache);
      annotateActiveSpan({ 'es_gateway.stream': stream, 'es_gateway.search.cache': outcome.cache });
      if (outcome.ageSeconds !== undefined) reply.header('age', String(outcome.ageSeconds));
      if (outcome.cache === 'STALE') reply.header('warning', '110 - "Response is Stale"');
      return reply.code(200).type('application/json; charset=utf-8').send(outcome.body);
    case 'refused':
      return sendProblem(request, reply, 400, 'search-guardrail', 'Search refused by a guardrail', outcome.refusal.detail, { rule: outcome.refusal.rule, path: outcome.refusal.path });
    case 'unknown-stream':
      return sendProblem(request, reply, 404, 'unknown-stream', 'Unknown stream', `stream "${stream}" is not configured and unknown streams are refused`);
    case 'not-found':
      return sendProblem(request, reply, 404, 'event-not-found', 'Event not found', `stream "${stream}" has no event with this _id (an event is found once Elasticsearch has refreshed, within 1 s by default)`);
    case 'rejected':
      return sendProblem(request, reply, 400, 'search-rejected', 'Search refused by Elasticsearch', outcome.detail);
    case 'overloaded':
      reply.header('retry-after', String(outcome.retryAfterSeconds));
      return sendProblem(request, reply, 429, 'search-overloaded', 'Elasticsearch is overloaded', `${outcome.detail}; no earlier answer to this search is cached`);
    case 'unavailable':
      reply.header('retry-after', String(outcome.retryAfterSeconds));
      return sendProblem(request, reply, 503, 'search-unavailable', 'Search unavailable', `${outcome.detail}; no earlier answer to this search is cached`);
  }
}

export function registerSearchRoutes(app: FastifyInstance, search: SearchService): void {
  app.addSchema(searchAnswerSchema);
  const badStream = (request: FastifyRequest, reply: FastifyReply) => sendProblem(request, reply, 400, 'invalid-stream-name', 'Invalid stream name', 'stream names are 1-100 lowercase letters, digits, "_" and "-", starting with a letter or digit');

  app.post<{ Params: { stream: string }; Body: unknown }>('/v1/search/:stream', { schema: searchPostSchema, config: { access: { kind: 'stream', op: 'search' } } }, async (request, reply) => {
    const { stream } = request.params;
    if (!STREAM_NAME.test(stream)) return badStream(request, reply);
    return answer(request, reply, stream, await search.search(stream, request.body ?? {}, { noCache: noCache(request), tenant: tenantOf(request) }));
  });

  app.get<{ Params: { stream: string }; Querystring: SearchQueryString }>('/v1/search/:stream', { schema: searchGetSchema, config: { access: { kind: 'stream', op: 'search' } } }, async (request, reply) => {
    const { stream } = request.params;
    if (!STREAM_NAME.test(stream)) return badStream(request, reply);
    const body = bodyOfQueryString(request.query);
    if (typeof body === 'string') return sendProblem(request, reply, 400, 'invalid-request', 'Invalid request', body);
    return answer(request, reply, stream, await search.search(stream, body, { noCache: noCache(request), tenant: tenantOf(request) }));
  });

  app.get<{ Params: { stream: string; id: string } }>('/v1/events/:stream/:id', { schema: eventGetSchema, config: { access: { kind: 'stream', op: 'search' } } }, async (request, reply) => {
    const { stream, id } = request.params;
    if (!STREAM_NAME.test(stream)) return badStream(request, reply);
    if (id === '' || Buffer.byteLength(id) > MAX_ID_BYTES) return sendProblem(request, reply, 400, 'invalid-id', 'Invalid id', `an _id is 1 to ${MAX_ID_BYTES} bytes`);
    return answer(request, reply, stream, await search.getEvent(stream, id, { noCache: noCache(request), tenant: tenantOf(request) }));
  });
}
