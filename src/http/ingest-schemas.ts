// JSON Schemas of the ingest route: they validate the query string and document the API in the
// generated OpenAPI document.

export const eventErrorSchema = {
  $id: 'EventError',
  type: 'object',
  required: ['code', 'detail'],
  properties: {
    line: { type: 'integer', description: 'NDJSON line number (1-based, blank lines counted).' },
    element: { type: 'integer', description: 'JSON array element (0-based).' },
    code: { type: 'string', description: 'invalid_json, invalid_utf8, not_an_object, reserved_field, schema_violation, invalid_id, invalid_timestamp' },
    detail: { type: 'string' },
  },
} as const;

export const itemResultSchema = {
  $id: 'ItemResult',
  type: 'object',
  required: ['_id', '_index', 'result'],
  properties: {
    line: { type: 'integer' },
    element: { type: 'integer' },
    _id: { type: 'string' },
    _index: { type: 'string' },
    result: { type: 'string', enum: ['created', 'duplicate', 'dead_lettered', 'failed', 'pending'] },
    status: { type: 'integer', description: 'Elasticsearch item status (201 created, 409 already there, …).' },
    error: { type: 'object', properties: { type: { type: 'string' }, reason: { type: 'string' } } },
  },
} as const;

const counts = {
  accepted: { type: 'integer', description: 'Events accepted.' },
  rejected: { type: 'integer', description: 'Events refused (all counted).' },
  errors: { type: 'array', items: { $ref: 'EventError#' }, description: 'The first GATEWAY_MAX_REPORTED_ERRORS refused events.' },
} as const;

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } });

export const ingestRouteSchema = {
  summary: 'Ingest events into a stream',
  description: 'Body: `application/json` (one event object or an array of them) or `application/x-ndjson` (one event per line, framed as it streams). `Content-Encoding: gzip`, `deflate`, `br` or `zstd` is accepted. Each event gets `_id` (from the GATEWAY_ID_FIELD field, else `<Idempotency-Key>:l<line>` / `:e<element>`, else generated) and `@timestamp` when missing.',
  tags: ['ingest'],
  params: {
    type: 'object',
    required: ['stream'],
    properties: { stream: { type: 'string', description: 'Stream name: lowercase letters, digits, "_" and "-".' } },
  },
  querystring: {
    type: 'object',
    properties: {
      ack: { type: 'string', enum: ['accepted', 'indexed'], default: 'accepted', description: '`accepted`: 202 once queued; `indexed`: 200 once Elasticsearch confirmed every event (bounded by GATEWAY_ACK_TIMEOUT_MS).' },
      atomic: { type: 'boolean', default: false, description: 'Refuse the whole request when any event is invalid.' },
    },
    additionalProperties: false,
  },
  headers: {
    type: 'object',
    properties: {
      'idempotency-key': { type: 'string', description: 'Makes ids of events without one deterministic, so a retried request is not indexed twice.' },
    },
  },
  response: {
    202: { description: 'Events queued (ack=accepted).', type: 'object', required: ['accepted', 'rejected', 'errors'], properties: counts },
    200: {
      description: 'Every accepted event reached a final state (ack=indexed).',
      type: 'object',
      required: ['accepted', 'rejected', 'errors', 'itemErrors', 'items'],
      properties: { ...counts, itemErrors: { type: 'boolean', description: 'Whether any item was dead-lettered or failed.' }, items: { type: 'array', items: { $ref: 'ItemResult#' } } },
    },
    400: problem('Malformed body, invalid events (all of them, or any with atomic=true), bad query.'),
    404: problem('Unknown stream (GATEWAY_UNKNOWN_STREAMS=reject).'),
    408: problem('The body did not arrive within GATEWAY_REQUEST_TIMEOUT_MS (request-timeout); nothing accepted, the connection is closed.'),
    413: problem('Body, decompressed body (or its ratio to the body sent: decompression-ratio), an event, or the event count over its limit.'),
    415: problem('Unsupported Content-Type or Content-Encoding.'),
    429: problem('The gateway holds as many events as it may; see Retry-After.'),
    503: problem('Nothing accepted: shutting down (shutting-down), the spool full or failing while Elasticsearch is not taking events (spool-unavailable), too many bytes being read (intake-busy), or the framing worker failed (framing-failed). Or ack=indexed timed out (ack-timeout; the events stay queued). See Retry-After.'),
  },
} as const;

/**
 * The ingest body is read as a stream (never validated as one object), so it has no Fastify
 * `body` schema; this is its OpenAPI description, merged into the generated document.
 */
export const ingestRequestBody = {
  required: true,
  content: {
    'application/x-ndjson': {
      schema: { type: 'string', description: 'One JSON object per line (also application/ndjson, application/jsonl).' },
      example: '{"@timestamp":"2026-11-21T10:00:00Z","level":"info","message":"user signed in"}\n{"level":"warn","message":"slow query","duration_ms":1234}\n',
    },
    'application/json': {
      schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] },
      example: [{ level: 'info', message: 'user signed in', event: { id: 'evt-1' } }],
    },
  },
} as const;
