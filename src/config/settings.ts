// Every environment setting the gateway reads, with its default and its documentation.
// The README's configuration table is checked against this list by a unit test.

export type SettingType = 'int' | 'string' | 'enum' | 'bool';

export interface SettingSpec {
  env: string;
  type: SettingType;
  default: string | undefined;
  description: string;
  min?: number;
  values?: readonly string[];
  secret?: boolean;
  /** An empty value turns the feature off instead of meaning the default. */
  emptyDisables?: boolean;
}

const MiB = 1024 * 1024;

export const SETTINGS = [
  { env: 'HOST', type: 'string', default: '0.0.0.0', description: 'Address the HTTP server binds to.' },
  { env: 'PORT', type: 'int', default: '8080', min: 0, description: 'HTTP port (0 picks a free one).' },
  { env: 'LOG_LEVEL', type: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Log level of the JSON (pino) logger.' },
  { env: 'ES_URL', type: 'string', default: 'http://127.0.0.1:9200', description: 'Elasticsearch node URLs, comma-separated (`https://es1:9200,https://es2:9200`): requests go round-robin, a failing node is set aside and tried again later. Credentials in a URL (`https://user:pass@host`) work but belong in ES_USERNAME / ES_PASSWORD. Not with ES_CLOUD_ID.' },
  { env: 'ES_CLOUD_ID', type: 'string', default: undefined, description: 'Elastic Cloud deployment id (from the deployment\'s page): the client derives the HTTPS endpoint from it. Replaces ES_URL.' },
  { env: 'ES_USERNAME', type: 'string', default: undefined, description: 'Basic-auth user for Elasticsearch (with ES_PASSWORD).' },
  { env: 'ES_PASSWORD', type: 'string', default: undefined, secret: true, description: 'Basic-auth password for Elasticsearch.' },
  { env: 'ES_PASSWORD_FILE', type: 'string', default: undefined, description: 'File holding ES_PASSWORD (a mounted Kubernetes secret); a trailing newline is ignored. Not with ES_PASSWORD.' },
  { env: 'ES_API_KEY', type: 'string', default: undefined, secret: true, description: 'Elasticsearch API key: the `encoded` value Elasticsearch returns (base64 of `id:key`). One of ES_API_KEY, ES_BEARER_TOKEN, ES_USERNAME/ES_PASSWORD.' },
  { env: 'ES_API_KEY_FILE', type: 'string', default: undefined, description: 'File holding ES_API_KEY. Not with ES_API_KEY.' },
  { env: 'ES_BEARER_TOKEN', type: 'string', default: undefined, secret: true, description: 'Bearer token for Elasticsearch (a service account token, or an OAuth2 token the cluster accepts).' },
  { env: 'ES_BEARER_TOKEN_FILE', type: 'string', default: undefined, description: 'File holding ES_BEARER_TOKEN. Not with ES_BEARER_TOKEN.' },
  { env: 'ES_CA_FILE', type: 'string', default: undefined, description: 'PEM file of the CA that signed the cluster\'s HTTP certificate (self-managed clusters with their own CA); the system\'s CAs are trusted otherwise.' },
  { env: 'ES_CA_FINGERPRINT', type: 'string', default: undefined, description: 'SHA-256 fingerprint of the cluster\'s CA certificate (hex, colons optional, as Elasticsearch prints it at first start): the connection is trusted when the CA presented matches it, instead of ES_CA_FILE. HTTPS only.' },
  { env: 'ES_TLS_REJECT_UNAUTHORIZED', type: 'bool', default: 'true', description: '`false` accepts any certificate from Elasticsearch (a warning is logged at start-up): for a throwaway test cluster only.' },
  { env: 'ES_SNIFF', type: 'bool', default: 'false', description: '`true`: learn the cluster\'s nodes from `GET /_nodes/_all/http` at start-up, every 5 minutes and after a connection fault, and spread requests over them. Only where the nodes\' published addresses are reachable from the gateway (not behind a load balancer or in Elastic Cloud).' },
  { env: 'ES_CONNECTION_CLASS', type: 'enum', default: 'http', values: ['http', 'undici'], description: 'The client\'s HTTP implementation: `http` (node:http, chosen by measurement: bench/README.md, "The Elasticsearch client") or `undici`.' },
  { env: 'ES_COMPRESSION', type: 'enum', default: 'none', values: ['none', 'gzip'], description: '`gzip`: bulk request bodies are gzipped (level 1) before they go to Elasticsearch — for a network that is slower than the CPU; costs the gateway CPU per event (see bench/README.md). `none`: sent as they are (loopback, LAN).' },
  { env: 'ES_REQUEST_TIMEOUT_MS', type: 'int', default: '30000', min: 100, description: 'Timeout of one request to Elasticsearch; a timed-out bulk is retried.' },
  { env: 'GATEWAY_HEADERS_TIMEOUT_MS', type: 'int', default: '10000', min: 100, description: 'A client must send a request\'s headers within this long, else it is answered 408 and its connection closed (slow-header clients).' },
  { env: 'GATEWAY_REQUEST_TIMEOUT_MS', type: 'int', default: '60000', min: 100, description: 'A request\'s body must have arrived within this long after its headers, else it is answered 408 (problem+json), its connection closed and the intake room it held released (slow-drip clients). At least GATEWAY_HEADERS_TIMEOUT_MS.' },
  { env: 'GATEWAY_KEEP_ALIVE_TIMEOUT_MS', type: 'int', default: '72000', min: 1, description: 'An idle keep-alive connection is closed after this long without a new request (longer than the usual load balancers\' 60 s, so they close first).' },
  { env: 'GATEWAY_SOCKET_TIMEOUT_MS', type: 'int', default: '120000', min: 0, description: 'A connection with no bytes in either direction for this long is closed, whatever it was doing. Longer than GATEWAY_ACK_TIMEOUT_MS and GATEWAY_SEARCH_TIMEOUT_MS (a request waiting for Elasticsearch is silent); `0`: never.' },
  { env: 'GATEWAY_TLS_CERT_FILE', type: 'string', default: undefined, description: 'PEM certificate (chain) of the gateway\'s own HTTPS listener, with GATEWAY_TLS_KEY_FILE; unset: plain HTTP. Both files are read again when either changes (a renewed certificate is used for new connections without a restart).' },
  { env: 'GATEWAY_TLS_KEY_FILE', type: 'string', default: undefined, description: 'PEM private key of GATEWAY_TLS_CERT_FILE.' },
  { env: 'GATEWAY_LOG_REDACT', type: 'string', default: '', description: 'More fields to redact in logs, comma-separated pino paths (`req.headers["x-api-token"]`, `body.password`); `authorization`, `cookie`, `set-cookie` and `proxy-authorization` headers are always redacted.' },
  { env: 'GATEWAY_CONFIG_FILE', type: 'string', default: undefined, description: 'Optional JSON file with per-stream index patterns, schemas, mappings and settings (see "Streams").' },
  { env: 'GATEWAY_UNKNOWN_STREAMS', type: 'enum', default: 'accept', values: ['accept', 'reject'], description: '`accept`: a stream not in the config file is indexed with GATEWAY_INDEX_PATTERN and no schema; `reject`: 404.' },
  { env: 'GATEWAY_INDEX_PATTERN', type: 'string', default: 'events-{stream}-{yyyy.MM.dd}', description: 'Target index of streams without their own pattern. Tokens: `{stream}`, `{yyyy}`, `{MM}`, `{dd}`, `{HH}` (UTC, from the event\'s `@timestamp`).' },
  { env: 'GATEWAY_ID_FIELD', type: 'string', default: 'event.id', description: 'Event field (dotted path) whose string value becomes the document `_id`; events without it get a generated, time-ordered id.' },
  { env: 'GATEWAY_MAX_BODY_BYTES', type: 'int', default: String(16 * MiB), min: 1, description: 'Largest request body as sent (compressed), else 413.' },
  { env: 'GATEWAY_MAX_DECOMPRESSED_BYTES', type: 'int', default: String(64 * MiB), min: 1, description: 'Largest request body after decompression, else 413.' },
  { env: 'GATEWAY_MAX_LINE_BYTES', type: 'int', default: String(1 * MiB), min: 2, description: 'Largest single event (NDJSON line or array element), else 413 naming the line.' },
  { env: 'GATEWAY_MAX_EVENTS_PER_REQUEST', type: 'int', default: '100000', min: 1, description: 'Most events in one request, else 413.' },
  { env: 'GATEWAY_MAX_DECOMPRESSION_RATIO', type: 'int', default: '100', min: 1, description: 'A compressed body may grow at most this many times its compressed size (past the first MiB), else 413: a decompression bomb is cut off early, not read up to GATEWAY_MAX_DECOMPRESSED_BYTES.' },
  { env: 'GATEWAY_MAX_EVENT_DEPTH', type: 'int', default: '32', min: 1, description: 'Deepest nesting of objects and arrays in one event (the event itself is level 1), else the event is rejected (`too_deep`).' },
  { env: 'GATEWAY_MAX_EVENT_FIELDS', type: 'int', default: '10000', min: 1, description: 'Most object members in one event, counted at every level (members of objects inside arrays too), else the event is rejected (`too_many_fields`).' },
  { env: 'GATEWAY_MAX_STRING_BYTES', type: 'int', default: String(256 * 1024), min: 1, description: 'Longest string (value or field name) in one event, in bytes as sent (escapes count as written), else the event is rejected (`string_too_long`).' },
  { env: 'GATEWAY_INTAKE_MAX_BYTES', type: 'int', default: String(16 * MiB), min: 1024, description: 'Request bytes being read and framed at once across all requests; past it, reading pauses (TCP backpressure) — the oldest request always goes on.' },
  { env: 'GATEWAY_INTAKE_MAX_WAIT_MS', type: 'int', default: '10000', min: 1, description: 'How long a request may wait for room to read its body before it is answered 503 with `Retry-After`.' },
  { env: 'GATEWAY_MAX_REPORTED_ERRORS', type: 'int', default: '100', min: 1, description: 'How many per-event errors a response lists (the counts are always complete).' },
  { env: 'GATEWAY_WORKERS', type: 'string', default: 'auto', description: 'Worker threads that frame, parse, validate and envelope request bodies, so that work runs on other cores than HTTP and batching. `auto`: one per CPU core besides the main thread (`os.availableParallelism()` − 1; each worker adds ~25–30 MB to peak RSS); `0`: everything on the main thread. Workers start with the first large request and stop after GATEWAY_WORKER_IDLE_MS without one.' },
  { env: 'GATEWAY_WORKER_MIN_BODY_BYTES', type: 'int', default: '32768', min: 0, description: 'Decoded bodies smaller than this are framed on the main thread (a hand-off to a worker would cost more than it saves).' },
  { env: 'GATEWAY_WORKER_IDLE_MS', type: 'int', default: '30000', min: 1, description: 'Framing workers stop after this long without a request for them (they start again on demand).' },
  { env: 'GATEWAY_ACK_TIMEOUT_MS', type: 'int', default: '30000', min: 1, description: 'How long `ack=indexed` waits for Elasticsearch before answering 503 with `Retry-After` (the events stay queued).' },
  { env: 'GATEWAY_QUEUE_MAX_BYTES', type: 'int', default: String(32 * MiB), min: 1024, description: 'Memory for accepted, not yet indexed events (their bulk lines — action line and source — plus 64 bytes of bookkeeping each); a request that does not fit goes to the spool, or gets 429 without one.' },
  { env: 'GATEWAY_QUEUE_HIGH_WATER_BYTES', type: 'int', default: String(24 * MiB), min: 1, description: 'Above this, while Elasticsearch is taking events, a new request waits up to GATEWAY_SPILL_AFTER_MS (its socket not read) for the queue to drain below it, then spills to the spool — or, without a spool, gets 429 with `Retry-After`. Without a spool, `/readyz` reports not ready while over it, and requests get 429 at once while the circuit breaker is open.' },
  { env: 'GATEWAY_BATCH_MAX_DOCS', type: 'int', default: '5000', min: 1, description: 'A bulk request carries at most this many events.' },
  { env: 'GATEWAY_BATCH_MAX_BYTES', type: 'int', default: String(5 * MiB), min: 1024, description: 'A bulk request carries at most about this many bytes.' },
  { env: 'GATEWAY_BATCH_MAX_AGE_MS', type: 'int', default: '50', min: 0, description: 'A partial batch is sent once its oldest event waited this long.' },
  { env: 'GATEWAY_MAX_IN_FLIGHT', type: 'int', default: '4', min: 1, description: 'Most bulk requests in flight at once (the keep-alive connection pool is sized to it). The limit in force adapts between 1 and this: it starts here, halves when Elasticsearch rejects a bulk for overload (429) — a failed request is the circuit breaker\'s business — and grows by one per window of successful bulks.' },
  { env: 'GATEWAY_RETRY_MAX_ATTEMPTS', type: 'int', default: '8', min: 1, description: 'Attempts for an event that Elasticsearch rejects with 429/502/503/504 before it goes to the dead-letter index.' },
  { env: 'GATEWAY_RETRY_BASE_MS', type: 'int', default: '100', min: 1, description: 'First retry delay; doubles per attempt, with full jitter.' },
  { env: 'GATEWAY_RETRY_MAX_MS', type: 'int', default: '10000', min: 1, description: 'Largest retry delay.' },
  { env: 'GATEWAY_DEAD_LETTER_INDEX', type: 'string', default: 'es-gateway-dead-letters', description: 'Index that receives events Elasticsearch refused permanently, with the reason.' },
  { env: 'GATEWAY_SHUTDOWN_TIMEOUT_MS', type: 'int', default: '20000', min: 0, description: 'On SIGTERM, how long queued events may take to flush before the process exits.' },
  { env: 'GATEWAY_DURABILITY', type: 'enum', default: 'memory', values: ['memory', 'durable'], description: '`memory`: 202 once queued in memory; the spool takes over during outages, over high water and at shutdown. `durable`: 202 once the events are in the spool and synced (per GATEWAY_SPOOL_FSYNC); delivery always from the spool; survives `kill -9`.' },
  { env: 'GATEWAY_SPOOL_DIR', type: 'string', default: '.spool', emptyDisables: true, description: 'Folder of the disk spool (segment files and the replay cursor). Empty: no spool (memory durability only; an outage fills the queue and then 429s).' },
  { env: 'GATEWAY_SPOOL_MAX_BYTES', type: 'int', default: String(1024 * MiB), min: 1024, description: 'Most bytes the spool may hold on disk; when full, new requests get 503 with `Retry-After` (spooled data is never evicted).' },
  { env: 'GATEWAY_SPOOL_SEGMENT_BYTES', type: 'int', default: String(64 * MiB), min: 1024, description: 'Spool segment file size; fully delivered segments are deleted.' },
  { env: 'GATEWAY_SPOOL_FSYNC', type: 'enum', default: 'interval', values: ['always', 'interval', 'never'], description: '`always`: fsync every append before acknowledging; `interval`: group commit, one fsync per GATEWAY_SPOOL_FSYNC_INTERVAL_MS shared by all appends, each acknowledged after the fsync that covers it; `never`: leave it to the OS (survives a process crash, not a machine crash).' },
  { env: 'GATEWAY_SPOOL_FSYNC_INTERVAL_MS', type: 'int', default: '10', min: 1, description: 'Group-commit interval of GATEWAY_SPOOL_FSYNC=interval.' },
  { env: 'GATEWAY_SPILL_AFTER_MS', type: 'int', default: '1000', min: 0, description: '`memory` durability, Elasticsearch up but slower than intake (queue over high water): a request waits up to this long — its socket not read — for room in the queue before its events spill to the spool (without a spool: before it gets 429).' },
  { env: 'GATEWAY_REPLAY_START_EVENTS_PER_SEC', type: 'int', default: '2000', min: 1, description: 'Replay from the spool starts at this rate when the breaker closes, doubles every second without rejections and halves on 429s (slow start, so a recovering cluster is not flattened).' },
  { env: 'GATEWAY_BREAKER_ERROR_PERCENT', type: 'int', default: '50', min: 1, description: 'The circuit breaker opens when this share of bulk requests in the window failed (connection errors, timeouts, 5xx; not 429).' },
  { env: 'GATEWAY_BREAKER_WINDOW_MS', type: 'int', default: '10000', min: 100, description: 'Rolling window of the breaker\'s error rate.' },
  { env: 'GATEWAY_BREAKER_MIN_REQUESTS', type: 'int', default: '3', min: 1, description: 'Bulk requests in the window before the breaker may open on its error rate; this many failed bulk requests in a row open it whatever the window holds (a request that timed out was sent before the window began).' },
  { env: 'GATEWAY_BREAKER_RESET_MS', type: 'int', default: '5000', min: 100, description: 'How long the breaker stays open before probing Elasticsearch (cluster health) to close again.' },
  { env: 'GATEWAY_ES_API_INDICES', type: 'string', default: '*,-.*', description: 'Indices (and data streams) the Elasticsearch-compatible API (`/_bulk`, `/{index}/_doc`, …) may write: comma-separated patterns with `*`, and exclusions as `-pattern`. An item for another index is refused with 403 `security_exception` in Elasticsearch\'s shape. Default: every index not starting with a dot.' },
  { env: 'GATEWAY_ES_API_PIPELINES', type: 'string', default: '', description: 'Ingest pipelines an item of the Elasticsearch-compatible API may name (`pipeline`), comma-separated; any other is refused per item (400 `illegal_argument_exception`). Empty: none (`_none` is always allowed).' },
  { env: 'GATEWAY_ES_API_ACK', type: 'enum', default: 'indexed', values: ['indexed', 'accepted'], description: 'When the Elasticsearch-compatible API answers. `indexed`: once Elasticsearch gave every item its result (each item\'s real status, result and error; an item not confirmed within GATEWAY_ACK_TIMEOUT_MS is answered 202 `accepted`). `accepted`: as soon as the items are accepted (with GATEWAY_DURABILITY=durable: in the spool and synced), each answered 202 with `result: "accepted"`; later failures go to the dead-letter index.' },
  { env: 'GATEWAY_AUTH', type: 'enum', default: 'on', values: ['on', 'off'], description: '`on`: every route but /healthz and /readyz needs an API key from GATEWAY_KEYS_FILE (the gateway does not start without one). `off`: no keys asked for, for local development only; the gateway says so in a warning at start-up and on /readyz.' },
  { env: 'GATEWAY_KEYS_FILE', type: 'string', default: undefined, description: 'The API keys file (JSON, SHA-256 hashes only; `es-gateway keys create` writes it; see "Security"), mountable from a Kubernetes secret. Read again when it changes (checked every GATEWAY_KEYS_POLL_MS) and on SIGHUP; a file that does not parse leaves the keys as they were (logged).' },
  { env: 'GATEWAY_KEYS_POLL_MS', type: 'int', default: '2000', min: 100, description: 'How often the keys file is checked for changes.' },
  { env: 'GATEWAY_OPS_ALLOW', type: 'string', default: '127.0.0.1/8,::1/128', description: 'Client addresses (IPs or CIDR blocks, comma-separated) that may read /metrics without a key; from elsewhere it needs an `admin` key. /healthz and /readyz are always open (probes come from the node).' },
  { env: 'GATEWAY_RATE_LIMIT_MAX', type: 'int', default: '1000', min: 1, description: 'Requests per GATEWAY_RATE_LIMIT_WINDOW_MS per API key (a key\'s `rateLimit` in the keys file overrides it), and per client address where no key is asked for; over it: 429 with Retry-After and RateLimit-* headers.' },
  { env: 'GATEWAY_RATE_LIMIT_WINDOW_MS', type: 'int', default: '1000', min: 100, description: 'The rate-limit window.' },
  { env: 'GATEWAY_RATE_LIMIT_REDIS_URL', type: 'string', default: undefined, secret: true, description: 'Redis (`redis://host:6379`) holding the rate-limit counters, so that all the gateway\'s replicas share one limit per key; unset: each replica counts on its own.' },
  { env: 'GATEWAY_RATE_LIMIT_REDIS_FAILURE', type: 'enum', default: 'open', values: ['open', 'closed'], description: 'When Redis cannot be reached: `open` lets requests through unlimited (a warning, and es_gateway_rate_limit_store_errors_total counts them); `closed` answers them 503.' },
  { env: 'GATEWAY_SEARCH_CACHE_MAX_BYTES', type: 'int', default: String(64 * MiB), min: 0, description: 'Memory for cached search answers (each entry counted by its bytes: the answer and its key); the least recently used go first. `0`: no cache (no stale answers during outages either).' },
  { env: 'GATEWAY_SEARCH_TIMEOUT_MS', type: 'int', default: '10000', min: 100, description: 'Timeout of a search, sent to Elasticsearch as the search `timeout` and used as the request timeout (plus 1 s); a stream\'s `search.timeout` overrides it.' },
  { env: 'GATEWAY_SEARCH_MAX_IN_FLIGHT', type: 'int', default: '16', min: 1, description: 'Most searches in flight to Elasticsearch at once; a search beyond them gets a stale answer or 503 with `Retry-After` (identical searches share one request and count once).' },
  { env: 'GATEWAY_SEARCH_BREAKER_ERROR_PERCENT', type: 'int', default: '50', min: 1, description: 'The search circuit breaker (separate from ingest\'s) opens when this share of searches in the window failed (no answer, timeout, 5xx; not 4xx or 429).' },
  { env: 'GATEWAY_SEARCH_BREAKER_WINDOW_MS', type: 'int', default: '10000', min: 100, description: 'Rolling window of the search breaker\'s error rate.' },
  { env: 'GATEWAY_SEARCH_BREAKER_MIN_REQUESTS', type: 'int', default: '5', min: 1, description: 'Searches in the window before the search breaker may open.' },
  { env: 'GATEWAY_SEARCH_BREAKER_RESET_MS', type: 'int', default: '5000', min: 100, description: 'How long the search breaker stays open (stale answers or 503) before one search tries Elasticsearch again.' },
  { env: 'GATEWAY_INSTALL_TEMPLATES', type: 'bool', default: 'true', description: 'At start-up, install the index templates of the configured streams (and the default, dead-letter and mapping-audit ones), the ILM policies of their lifecycles, and the first versioned index of alias streams; then start the lifecycle fallback where the cluster needs it. `false`: none of that (the mapping commands still work).' },
  { env: 'GATEWAY_LIFECYCLE_FALLBACK', type: 'enum', default: 'auto', values: ['auto', 'off'], description: 'Data streams on a cluster with neither index lifecycle management (ILM) nor the data stream lifecycle (detected at start-up, see "Streams over time"): `auto`: the gateway rolls each stream\'s data stream over by its `lifecycle.rollover` conditions and deletes backing indices older than `deleteAfterDays` itself, every GATEWAY_LIFECYCLE_INTERVAL_MS; `off`: nothing does.' },
  { env: 'GATEWAY_LIFECYCLE_INTERVAL_MS', type: 'int', default: '300000', min: 1000, description: 'How often the lifecycle fallback checks the data streams\' rollover conditions and retention.' },
  { env: 'GATEWAY_FIELD_WATCH_INTERVAL_MS', type: 'int', default: '60000', min: 1000, description: 'How often the gateway reads each configured stream\'s field count and `index.mapping.total_fields.limit` (metrics `es_gateway_stream_fields`, a warning at 80%) and refreshes the fields `maxFields` counts against.' },
  { env: 'GATEWAY_MAPPING_AUDIT_INDEX', type: 'string', default: 'es-gateway-mapping-audit', description: 'Index that keeps every mapping change (`es-gateway mappings apply`/`rollback`, and the first install of a stream\'s template): when, by whom, the stream, before and after with their SHA-256, the version.' },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTINGS)[number]['env'];
