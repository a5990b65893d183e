// The gateway's Prometheus metrics, in a registry of its own per app (no globals).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  eventsAccepted: Counter<'stream'>;
  rateLimitStoreErrors: Counter;
  apiKeys: Gauge;
  eventsRejected: Counter<'stream' | 'reason'>;
  queueBytes: Gauge;
  queueEvents: Gauge;
  bulkInFlight: Gauge;
  bulkConcurrencyLimit: Gauge;
  batchDocs: Histogram;
  batchBytes: Histogram;
  bulkSentBytes: Counter;
  esRequests: Counter<'node' | 'outcome'>;
  bulkLatency: Histogram<'outcome'>;
  bulkItems: Counter<'status'>;
  retries: Counter<'kind'>;
  duplicates: Counter;
  deadLetters: Counter<'stream'>;
  deadLetterFailures: Counter;
  httpRefusals: Counter<'status' | 'reason'>;
  httpDuration: Histogram<'route' | 'status'>;
  framedRequests: Counter<'thread'>;
  framingWorkers: Gauge;
  breakerState: Gauge;
  breakerTransitions: Counter<'to'>;
  spooledEvents: Counter;
  replayedEvents: Counter;
  spoolPendingEvents: Gauge;
  spoolBytes: Gauge;
  spoolRecoveryCorruptRecords: Gauge;
  spoolRecoveryTornBytes: Gauge;
  spoolFsyncSeconds: Histogram<'target'>;
  searchCache: Counter<'result'>;
  searchRefusals: Counter<'rule'>;
  searchFailures: Counter<'reason'>;
  searchDuration: Histogram<'outcome'>;
  searchBreakerState: Gauge;
  searchCacheEntries: Gauge;
  searchCacheBytes: Gauge;
  streamFields: Gauge<'stream'>;
  streamFieldsLimit: Gauge<'stream'>;
  streamDynamic: Gauge<'stream' | 'dynamic'>;
  /** Where the spool gauges read their values at each scrape. */
  readSpool(source: { pendingEvents: () => number; bytesOnDisk: () => number }): void;
  /** Where the search cache gauges read theirs. */
  readSearchCache(source: { entries: number; bytes: number }): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // prom-client's default metrics are already named process_* and nodejs_*: the prefix is only
  // ours (es_gateway_process_cpu_seconds_total, es_gateway_nodejs_heap_size_used_bytes, …).
  collectDefaultMetrics({ register: registry, prefix: 'es_gateway_' });
  const r = [registry];
  let spool = { pendingEvents: () => 0, bytesOnDisk: () => 0 };
  let searchCache = { entries: 0, bytes: 0 };
  return {
    readSpool(source) { spool = source; },
    readSearchCache(source) { searchCache = source; },
    registry,
    rateLimitStoreErrors: new Counter({ name: 'es_gateway_rate_limit_store_errors_total', help: 'Requests that found the rate-limit store (Redis) unreachable: let through unlimited (GATEWAY_RATE_LIMIT_REDIS_FAILURE=open) or answered 503 (closed).', registers: r }),
    apiKeys: new Gauge({ name: 'es_gateway_api_keys', help: 'API keys loaded from the keys file.', registers: r }),
    eventsAccepted: new Counter({ name: 'es_gateway_events_accepted_total', help: 'Events accepted, by stream.', labelNames: ['stream'], registers: r }),
    eventsRejected: new Counter({ name: 'es_gateway_events_rejected_total', help: 'Events rejected at intake, by stream and reason.', labelNames: ['stream', 'reason'], registers: r }),
    queueBytes: new Gauge({ name: 'es_gateway_queue_bytes', help: 'Bytes of accepted events not yet indexed (queued, in flight or waiting to retry).', registers: r }),
    queueEvents: new Gauge({ name: 'es_gateway_queue_events', help: 'Accepted events not yet indexed.', registers: r }),
    bulkInFlight: new Gauge({ name: 'es_gateway_bulk_in_flight_requests', help: 'Bulk requests in flight.', registers: r }),
    bulkConcurrencyLimit: new Gauge({ name: 'es_gateway_bulk_concurrency_limit', help: 'Bulk requests allowed in flight now: adapted between 1 and GATEWAY_MAX_IN_FLIGHT (halved on 429s and failed requests, +1 per window of successes).', registers: r }),
    batchDocs: new Histogram({ name: 'es_gateway_batch_docs', help: 'Documents per bulk request.', buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000], registers: r }),
    batchBytes: new Histogram({ name: 'es_gateway_batch_bytes', help: 'Bytes per bulk request.', buckets: [1024, 16384, 65536, 262144, 1048576, 2097152, 5242880, 10485760], registers: r }),
    esRequests: new Counter({ name: 'es_gateway_es_requests_total', help: 'Requests to Elasticsearch by node (its URL without credentials) and outcome: ok (an answer other than 502/503/504) or failed (no answer, a timeout, TLS, 502/503/504); a failed node is set aside and pinged again later.', labelNames: ['node', 'outcome'], registers: r }),
    bulkSentBytes: new Counter({ name: 'es_gateway_bulk_sent_bytes_total', help: 'Bytes of bulk request bodies as sent to Elasticsearch (after ES_COMPRESSION; es_gateway_batch_bytes counts them before).', registers: r }),
    bulkLatency: new Histogram({ name: 'es_gateway_bulk_duration_seconds', help: 'Bulk request latency, by outcome (ok, error).', labelNames: ['outcome'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: r }),
    bulkItems: new Counter({ name: 'es_gateway_bulk_items_total', help: 'Bulk item results, by HTTP status.', labelNames: ['status'], registers: r }),
    retries: new Counter({ name: 'es_gateway_retries_total', help: 'Retries: items (kind=item) and whole bulk requests (kind=request).', labelNames: ['kind'], registers: r }),
    duplicates: new Counter({ name: 'es_gateway_duplicates_total', help: 'Events Elasticsearch already had (409 on create): not errors.', registers: r }),
    deadLetters: new Counter({ name: 'es_gateway_dead_letters_total', help: 'Events sent to the dead-letter index, by stream.', labelNames: ['stream'], registers: r }),
    deadLetterFailures: new Counter({ name: 'es_gateway_dead_letter_failures_total', help: 'Dead-letter documents Elasticsearch refused permanently (logged with the event).', registers: r }),
    breakerState: new Gauge({ name: 'es_gateway_breaker_state', help: 'Circuit breaker around the bulk sink: 0 closed, 1 half-open, 2 open.', registers: r }),
    breakerTransitions: new Counter({ name: 'es_gateway_breaker_transitions_total', help: 'Circuit breaker transitions, by new state.', labelNames: ['to'], registers: r }),
    spooledEvents: new Counter({ name: 'es_gateway_spooled_events_total', help: 'Events appended to the disk spool.', registers: r }),
    replayedEvents: new Counter({ name: 'es_gateway_replayed_events_total', help: 'Events read back from the spool and sent on (a re-read after a failed send counts again).', registers: r }),
    spoolPendingEvents: new Gauge({ name: 'es_gateway_spool_pending_events', help: 'Events in the spool not yet delivered.', registers: r, collect() { this.set(spool.pendingEvents()); } }),
    spoolBytes: new Gauge({ name: 'es_gateway_spool_bytes', help: 'Bytes of spool segments on disk.', registers: r, collect() { this.set(spool.bytesOnDisk()); } }),
    spoolRecoveryCorruptRecords: new Gauge({ name: 'es_gateway_spool_recovery_corrupt_records', help: 'Corrupt spool records found at start-up (the rest of their segment was moved to quarantine/).', registers: r }),
    spoolRecoveryTornBytes: new Gauge({ name: 'es_gateway_spool_recovery_torn_bytes', help: 'Bytes of a torn last spool record cut off at start-up.', registers: r }),
    spoolFsyncSeconds: new Histogram({ name: 'es_gateway_spool_fsync_seconds', help: 'Spool fsyncs by what was synced (segment, checkpoint, directory, quarantine) and how long each took as the gateway saw it (the disk, and the event loop taking the completion): in durable mode an acknowledgement waits for a segment fsync.', labelNames: ['target'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: r }),
    framedRequests: new Counter({ name: 'es_gateway_framed_requests_total', help: 'Request bodies framed, parsed and validated, by thread (main, worker).', labelNames: ['thread'], registers: r }),
    framingWorkers: new Gauge({ name: 'es_gateway_framing_workers', help: 'Framing worker threads running (they start on demand and stop when idle).', registers: r }),
    httpDuration: new Histogram({
      name: 'es_gateway_http_request_duration_seconds',
      help: 'Time from a request\'s headers to its response written (the ack latency of an ingest request, body read included), by route and status code.',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    }),
    searchCache: new Counter({ name: 'es_gateway_search_cache_total', help: 'Searches and event reads by cache result: hit (fresh answer from the cache), miss (sent to Elasticsearch), coalesced (shared an identical search in flight), stale (Elasticsearch failed or the search breaker is open: a stale answer served).', labelNames: ['result'], registers: r }),
    searchRefusals: new Counter({ name: 'es_gateway_search_refusals_total', help: 'Searches refused by a guardrail before Elasticsearch saw them, by rule.', labelNames: ['rule'], registers: r }),
    searchFailures: new Counter({ name: 'es_gateway_search_failures_total', help: 'Searches Elasticsearch did not answer, by reason (breaker_open, busy, timeout, unreachable, unavailable, overloaded, rejected); each was answered stale or with an error.', labelNames: ['reason'], registers: r }),
    searchDuration: new Histogram({ name: 'es_gateway_search_duration_seconds', help: 'Latency of searches sent to Elasticsearch (cache misses), by outcome (ok, error).', labelNames: ['outcome'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: r }),
    searchBreakerState: new Gauge({ name: 'es_gateway_search_breaker_state', help: 'Circuit breaker around searches: 0 closed, 1 half-open, 2 open.', registers: r }),
    searchCacheEntries: new Gauge({ name: 'es_gateway_search_cache_entries', help: 'Answers in the search cache (fresh and stale).', registers: r, collect() { this.set(searchCache.entries); } }),
    searchCacheBytes: new Gauge({ name: 'es_gateway_search_cache_bytes', help: 'Bytes the search cache holds, as it counts them (answer, key and per-entry overhead); never above GATEWAY_SEARCH_CACHE_MAX_BYTES.', registers: r, collect() { this.set(searchCache.bytes); } }),
    streamFields: new Gauge({ name: 'es_gateway_stream_fields', help: 'Fields in the mapping of a configured stream\'s write index, as Elasticsearch counts them against index.mapping.total_fields.limit (objects, leaves, multi-fields, runtime fields); read every GATEWAY_FIELD_WATCH_INTERVAL_MS.', labelNames: ['stream'], registers: r }),
    streamFieldsLimit: new Gauge({ name: 'es_gateway_stream_fields_limit', help: 'index.mapping.total_fields.limit of a configured stream\'s write index.', labelNames: ['stream'], registers: r }),
    streamDynamic: new Gauge({ name: 'es_gateway_stream_dynamic', help: 'Always 1: the `dynamic` mapping of each configured stream (label dynamic: true, false, strict, runtime); streams on dynamic="true" grow a field per new key.', labelNames: ['stream', 'dynamic'], registers: r }),
    httpRefusals: new Counter({ name: 'es_gateway_requests_refused_total', help: 'Ingest requests refused before acceptance, by status and reason.', labelNames: ['status', 'reason'], registers: r }),
  };
}
