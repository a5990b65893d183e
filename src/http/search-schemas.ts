// JSON Schemas of the search routes: they document the API in the generated OpenAPI document.
// They check only the types of what they describe; the search guard (search/) decides the rest
// and names the rule it applies.

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } });

const streamParam = {
  type: 'object',
  required: ['stream'],
  properties: { stream: { type: 'string', description: 'Stream name: lowercase letters, digits, "_" and "-".' } },
} as const;

const cacheHeaders = {
  'X-Cache': { type: 'string', enum: ['MISS', 'HIT', 'COALESCED', 'STALE'], description: 'MISS (asked Elasticsearch), HIT (a fresh cached answer), COALESCED (shared an identical search in flight), STALE (Elasticsearch failed or the search breaker is open: the last good answer).' },
  Age: { type: 'integer', description: 'Seconds since the cached answer was fetched (HIT and STALE).' },
  Warning: { type: 'string', description: '`110 - "Response is Stale"` on a STALE answer.' },
} as const;

// Members that take several types have no `type` here: Ajv's type coercion would turn one into
// another (["a"] into "a", 123 into "123") before the guard sees it. The guard checks them.
const timeValue = { description: 'A string (ISO 8601 date-time, epoch milliseconds, or date math: now, now-15m, now-1d/d) or an integer (epoch milliseconds).' } as const;

export const searchAnswerSchema = {
  $id: 'SearchAnswer',
  type: 'object',
  required: ['took', 'timed_out', 'hits'],
  properties: {
    took: { type: 'integer', description: 'Milliseconds Elasticsearch took.' },
    timed_out: { type: 'boolean', description: 'The search timed out on some shards: the hits are partial (such answers are not cached).' },
    total: {
      type: 'object',
      required: ['value', 'relation'],
      properties: { value: { type: 'integer' }, relation: { type: 'string', enum: ['eq', 'gte'], description: '`gte`: at least value (track_total_hits caps the count; 10,000 by default).' } },
      description: 'Matching events (absent with track_total_hits: false).',
    },
    hits: {
      type: 'array',
      items: {
        type: 'object',
        required: ['_id', '_index', '_source'],
        properties: {
          _id: { type: 'string' },
          _index: { type: 'string' },
          _score: { type: ['number', 'null'], description: 'Relevance; null unless sorted by _score.' },
          _source: { type: 'object', additionalProperties: true },
          sort: { type: 'array', items: {} },
        },
      },
    },
    aggregations: { type: 'object', additionalProperties: true, description: 'Elasticsearch\'s aggregation results, as it returns them.' },
    next: { type: 'array', items: {}, description: 'When the page was full: pass it as search_after for the next page.' },
  },
} as const;

const searchResponses = {
  200: { description: 'The answer: from Elasticsearch, or from the cache (see X-Cache).', headers: cacheHeaders, content: { 'application/json': { schema: { $ref: 'SearchAnswer#' } } } },
  400: problem('Refused by a guardrail (search-guardrail: `rule` names the rule, `path` the offending part of the request), malformed request, or refused by Elasticsearch (search-rejected).'),
  404: problem('Unknown stream (GATEWAY_UNKNOWN_STREAMS=reject).'),
  429: problem('Elasticsearch is overloaded and no stale answer is cached; see Retry-After.'),
  503: problem('Elasticsearch failed, timed out or the search breaker is open, and no stale answer is cached; see Retry-After.'),
} as const;

export const searchPostSchema = {
  summary: 'Search a stream (a guarded subset of the query DSL)',
  description: 'The time range is `from`/`to` on `@timestamp` (both, or neither for the stream\'s default window); paging is `size` with `search_after` (the previous answer\'s `next`), or `offset` while offset + size ≤ 10,000. Every field named in the query, a sort or an aggregation must be mapped in the stream; sorts and aggregations need keyword, numeric, date or boolean fields. `Cache-Control: no-cache` skips the fresh cache.',
  tags: ['search'],
  params: streamParam,
  body: {
    type: 'object',
    properties: {
      query: { type: 'object', description: 'Query DSL clauses: bool, match, match_phrase, multi_match, term, terms, range, exists, prefix, ids, simple_query_string, match_all; query_string, wildcard and regexp where the stream enables them.', additionalProperties: true },
      from: timeValue,
      to: timeValue,
      size: { type: 'integer', minimum: 0, description: 'Hits per page (default 10, at most the stream\'s maxSize).' },
      offset: { type: 'integer', minimum: 0, description: 'Hits to skip (Elasticsearch\'s `from`); offset + size ≤ 10,000.' },
      sort: { description: 'Elasticsearch sort entries: "field", {"field": "desc"}, {"field": {"order": "desc"}}, or a list of them; default @timestamp newest first.' },
      search_after: { type: 'array', items: {}, description: 'The `next` of the previous page.' },
      _source: { description: 'true, false, a field pattern, a list of them, or {"includes": […], "excludes": […]}.' },
      aggs: { type: 'object', additionalProperties: true, description: 'terms, date_histogram, histogram, range, avg, min, max, sum, value_count, cardinality, percentiles; two levels at most.' },
      track_total_hits: { description: 'true (count every match), false (no total), or a whole number to count up to (default 10,000).' },
    },
    additionalProperties: true,
  },
  response: searchResponses,
} as const;

export const searchGetSchema = {
  summary: 'Search a stream with a simple query string',
  description: '`q` is a simple_query_string over the stream\'s query fields (search.queryFields, else its text and keyword fields). The same guardrails and cache as POST.',
  tags: ['search'],
  params: streamParam,
  querystring: {
    type: 'object',
    properties: {
      q: { type: 'string', description: 'simple_query_string syntax: words, "phrases", +must -not, prefix*.' },
      from: { type: 'string', description: 'Start of the time range (ISO 8601, epoch ms or now-15m); with `to`.' },
      to: { type: 'string', description: 'End of the time range; with `from`.' },
      size: { type: 'integer', minimum: 0 },
      offset: { type: 'integer', minimum: 0 },
      sort: { type: 'string', description: 'Comma-separated `field` or `field:asc|desc`, e.g. `status:desc,@timestamp:asc`.' },
      search_after: { type: 'string', description: 'The previous answer\'s `next`, as JSON (e.g. `[1764633600000]`).' },
      track_total_hits: { type: 'string', description: '`true`, `false` or a count.' },
    },
    additionalProperties: false,
  },
  response: searchResponses,
} as const;

export const eventGetSchema = {
  summary: 'Read one event of a stream by its _id',
  description: 'Found by a search, so an event is readable once Elasticsearch has refreshed (within 1 s by default). Cached like searches.',
  tags: ['search'],
  params: {
    type: 'object',
    required: ['stream', 'id'],
    properties: { stream: streamParam.properties.stream, id: { type: 'string', description: 'The event\'s _id (from ack=indexed, or its event.id).' } },
  },
  response: {
    200: {
      description: 'The event.',
      headers: cacheHeaders,
      content: { 'application/json': { schema: { type: 'object', required: ['_id', '_index', '_source'], properties: { _id: { type: 'string' }, _index: { type: 'string' }, _source: { type: 'object', additionalProperties: true } } } } },
    },
    404: problem('No such event (event-not-found), or unknown stream.'),
    429: searchResponses[429],
    503: searchResponses[503],
  },
} as const;
