// OpenAPI descriptions of the Elasticsearch-compatible routes. Bodies and answers are
// Elasticsearch's own (see its bulk and document API references); they are described, not
// validated here: the routes read raw bodies and answer in Elasticsearch's shapes.

const TAG = ['elasticsearch-compatible'];
const esJson = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } });
const errors = {
  400: esJson('Elasticsearch\'s error body ({ "error": { "root_cause", "type", "reason" }, "status" }), as Elasticsearch answers the same body: a malformed action line, a missing newline, an unknown parameter.'),
  413: esJson('The body is larger than GATEWAY_MAX_BODY_BYTES / GATEWAY_MAX_DECOMPRESSED_BYTES.'),
  429: esJson('The gateway holds as many events as it may (es_rejected_execution_exception); see Retry-After. Nothing was accepted.'),
  503: esJson('Shutting down, or the spool cannot store the operations; see Retry-After. Nothing was accepted.'),
} as const;

const bulkQuery = {
  type: 'object',
  properties: {
    routing: { type: 'string', description: 'Default routing of the items.' },
    pipeline: { type: 'string', description: 'Default ingest pipeline; only those GATEWAY_ES_API_PIPELINES lists.' },
    require_alias: { type: 'string' },
    require_data_stream: { type: 'string' },
    refresh: { type: 'string', description: '`true` or `wait_for`: the indices written are refreshed before the answer (both: visible to search when answered); `false` (default). Ignored with GATEWAY_ES_API_ACK=accepted.' },
  },
  additionalProperties: true,
} as const;

const indexParam = { type: 'object', required: ['index'], properties: { index: { type: 'string', description: 'Index or data stream name (checked by Elasticsearch\'s rules and GATEWAY_ES_API_INDICES).' } } } as const;
const indexIdParams = { type: 'object', required: ['index', 'id'], properties: { index: indexParam.properties.index, id: { type: 'string' } } } as const;
const docBody = { description: 'The document (JSON object).', required: true, content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } } as const;

export const esCompatSchemas = {
  info: { summary: 'Cluster information, as Elasticsearch answers GET / (with the X-Elastic-Product header the official clients check)', tags: TAG, response: { 200: esJson('name, cluster_name, version.number (the Elasticsearch API version the gateway speaks), tagline.') } },
  nodes: { summary: 'The cluster\'s nodes for sniffing clients: the gateway alone, at the address the client used', tags: TAG, response: { 200: esJson('_nodes, cluster_name, nodes.<id>.http.publish_address.') } },
  bulk: {
    summary: 'Elasticsearch bulk API: create, index, update and delete, answered with each item\'s real result',
    description: 'NDJSON action/metadata lines and sources, as Elasticsearch takes them (`application/x-ndjson` or `application/json`, gzip allowed). Each item goes through the gateway\'s pipeline; the answer is Elasticsearch\'s: `took`, `errors`, `items[]` under their action with `_index`, `_id`, `status`, `result` or `error`. An `index` without `_id` gets the gateway\'s time-ordered id and is written with `create`. With GATEWAY_ES_API_ACK=accepted, or an item not confirmed within GATEWAY_ACK_TIMEOUT_MS: status 202, result `accepted`.',
    tags: TAG,
    querystring: bulkQuery,
    response: { 200: esJson('{ "took", "errors", "items": [ { "<action>": { "_index", "_id", "status", "result" | "error", … } } ] }'), ...errors },
  },
  docAutoId: { summary: 'Index one document with a generated id (POST /{index}/_doc)', tags: TAG, params: indexParam, querystring: bulkQuery, body: docBody, response: { 201: esJson('_index, _id, _version, result, _shards, _seq_no, _primary_term.'), 202: esJson('Accepted, not yet confirmed (GATEWAY_ES_API_ACK=accepted, or not confirmed in time).'), ...errors } },
  doc: { summary: 'Index one document by id (PUT|POST /{index}/_doc/{id}): created or overwritten', tags: TAG, params: indexIdParams, querystring: bulkQuery, body: docBody, response: { 200: esJson('Overwritten (result updated).'), 201: esJson('Created.'), 202: esJson('Accepted, not yet confirmed.'), ...errors } },
  create: { summary: 'Create one document by id (PUT|POST /{index}/_create/{id}); 409 when it exists', tags: TAG, params: indexIdParams, querystring: bulkQuery, body: docBody, response: { 201: esJson('Created.'), 202: esJson('Accepted, not yet confirmed.'), 409: esJson('version_conflict_engine_exception: the document exists.'), ...errors } },
} as const;
