// buildApp(config, deps) → a Fastify instance with every route and the pipeline behind them.
// No listen, no globals, no environment: main.ts and the tests both use it.
import { randomUUID } from 'node:crypto';
import type { Server as TlsServer } from 'node:tls';
import { errors as esErrors } from '@elastic/elasticsearch';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { GatewayConfig } from './config/config.ts';
import { IntakeGate } from './ingest/intake-gate.ts';
import { createStreamRegistry } from './ingest/stream-context.ts';
import { createRequestFraming } from './ingest/request-framing.ts';
import { Pipeline } from './pipeline/pipeline.ts';
import { createBulkSink, type BulkSink } from './sink/bulk-sink.ts';
import { guardSink, type BreakerState } from './sink/circuit-breaker.ts';
import { openSpoolPort } from './spool/spool-port-adapter.ts';
import type { SpoolPort } from './spool/spool-port.ts';
import { createEsClient } from './sink/es-client.ts';
import { diagnoseEsError, redactUrl } from './sink/es-diagnosis.ts';
import { createEsHealth, pingElasticsearch } from './sink/es-health.ts';
import { gateUntilInstalled, installTemplatesWithRetry } from './sink/index-templates.ts';
import { installGovernance } from './governance/governance-install.ts';
import { startLifecycleFallback } from './governance/lifecycle-fallback.ts';
import { FieldBudgets, screenFieldBudget } from './governance/field-budget.ts';
import { publishDynamic, startFieldWatch } from './governance/field-watch.ts';
import { createMetrics, type Metrics } from './telemetry/metrics.ts';
import { traceLogFields } from './telemetry/tracing.ts';
import { registerIngestRoutes } from './http/ingest-routes.ts';
import { eventErrorSchema, itemResultSchema } from './http/ingest-schemas.ts';
import { registerOpsRoutes } from './http/ops-routes.ts';
import { registerSearchRoutes } from './http/search-routes.ts';
import { registerEsCompatRoutes } from './http/es-compat-routes.ts';
import { createSearchService } from './search/search-service.ts';
import { problemSchema, sendProblem } from './http/problem.ts';
import { registerAccess } from './http/access.ts';
import { registerDocsRoutes } from './http/docs-routes.ts';
import { esError } from './http/es-compat-answers.ts';
import { RateLimitedError, RateLimitUnavailableError, registerRateLimit } from './http/rate-limit.ts';
import { openKeyStore, type KeyStore } from './auth/key-store.ts';
import { listenerOptions, logSafeError, redactPaths, watchTlsFiles } from './http/server-options.ts';

const NO_KEYS: KeyStore = { find: () => undefined, size: 0, reload: () => false, close: () => undefined };

export interface AppDeps {
  logger?: FastifyServerOptions['logger'];
  now?: () => number;
  /**
   * Plugins to register before the routes (so they see every route). The OpenAPI generator
   * (http/openapi.ts) registers @fastify/swagger here; the running gateway does not load it.
   */
  beforeRoutes?: (app: FastifyInstance) => Promise<void>;
  /** Serve /openapi.json and /docs (default true; the document's generator turns it off). */
  serveDocs?: boolean;
}

export interface Gateway {
  pipeline: Pipeline;
  metrics: Metrics;
  /** Stops taking new events (readiness turns false); queued events still flush on close. */
  stopIntake(): void;
  /** Events that could not be flushed before close (0 when all were). */
  readonly unflushedAtClose: number;
  readonly breakerState: BreakerState;
  /** Starts the framing workers now instead of on demand; resolves once they are ready. */
  warmFramingWorkers(): Promise<void>;
  /** Reads the keys file again (SIGHUP); false when it cannot be used (the keys stay as they were). */
  reloadKeys(): boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    gateway: Gateway;
  }
}

function withTraceIds(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  return typeof logger === 'object' && logger !== null ? { ...logger, mixin: traceLogFields } : logger;
}

export async function buildApp(config: GatewayConfig, deps: AppDeps = {}): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? { level: config.logLevel };
  const app = Fastify({
    // Every line logged while a traced request is handled carries its trace and span ids.
    logger: withTraceIds(typeof logger === 'object'
      ? { ...logger, redact: { paths: redactPaths(config.server), censor: '[redacted]' }, serializers: { err: logSafeError, ...logger.serializers } }
      : logger),
    ...listenerOptions(config.server),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });

  const metrics = createMetrics();
  // Bulk requests and searches in flight plus a few for health checks and templates.
  const es = config.elasticsearch;
  const client = createEsClient(es, config.pipeline.maxInFlight + config.search.maxInFlight + 4, (node, ok) => metrics.esRequests.inc({ node, outcome: ok ? 'ok' : 'failed' }));
  if (!es.tlsRejectUnauthorized && es.caFingerprint === undefined) app.log.warn('ES_TLS_REJECT_UNAUTHORIZED=false: any certificate is accepted from Elasticsearch; use ES_CA_FILE or ES_CA_FINGERPRINT outside a test cluster');
  let lastTemplateCause: string | undefined;
  let lifecycleFallback: { stop(): void } | undefined;
  let fieldWatch: ReturnType<typeof startFieldWatch> | undefined;
  let closed = false;
  const fieldBudgets = new FieldBudgets(config);
  publishDynamic(config, metrics);
  const templates = config.installTemplates
    ? installTemplatesWithRetry(async () => {
      const support = await installGovernance(client, config, app.log, now);
      const managed = [...config.streams.values()].some((s) => s.dataStream && s.lifecycle?.kind === 'managed');
      if (closed) return;
      if (support === 'none' && managed && config.governance.lifecycleFallback === 'auto') lifecycleFallback ??= startLifecycleFallback(client, config, app.log, now);
      // maxFields counts against the mappings as they are: read them before the first write.
      fieldWatch ??= startFieldWatch(client, config, metrics, fieldBudgets, app.log);
      await fieldWatch.firstRead;
    }, (err) => {
      // One line per cause, not one per retry.
      const d = diagnoseEsError(err);
      if (d.cause === lastTemplateCause) return;
      lastTemplateCause = d.cause;
      app.log.warn({ cause: d.cause }, `installing index templates failed, retrying: ${d.detail}; ${d.fix}`);
    })
    : undefined;
  const bulkSink = createBulkSink(client, { compression: config.elasticsearch.compression, onSending: (bytes) => metrics.bulkSentBytes.inc(bytes) });
  const screened = screenFieldBudget(bulkSink, fieldBudgets);
  const gated: BulkSink = templates === undefined ? screened : gateUntilInstalled(screened, templates, config.elasticsearch.requestTimeoutMs);
  const breaker = guardSink(gated, () => pingElasticsearch(client), config.breaker);
  const opened = config.spool === undefined ? undefined : await openSpoolPort(config.spool, app.log, (target, seconds) => metrics.spoolFsyncSeconds.observe({ target }, seconds));
  const spool: SpoolPort | undefined = opened?.port;
  metrics.spoolRecoveryCorruptRecords.set(opened?.recovery.corruptRecords ?? 0);
  metrics.spoolRecoveryTornBytes.set(opened?.recovery.tornBytesTruncated ?? 0);
  const pipeline = new Pipeline({
    config: config.pipeline,
    durability: config.durability,
    sink: breaker,
    sendAllowed: () => breaker.state === 'closed',
    spool,
    replayStartEventsPerSec: config.replayStartEventsPerSec,
    spillAfterMs: config.spillAfterMs,
    metrics,
    log: app.log,
    now,
  });
  const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
  breaker.onStateChange((state, reason) => {
    metrics.breakerState.set(STATE_VALUE[state]);
    metrics.breakerTransitions.inc({ to: state });
    if (state === 'closed') {
      app.log.info({ breaker: state, reason, spooled: pipeline.spooledEvents }, 'circuit breaker closed: sending to Elasticsearch again');
      pipeline.resume();
    } else {
      app.log.warn({ breaker: state, reason }, state === 'open' ? 'circuit breaker open: Elasticsearch unavailable, spooling' : 'circuit breaker half-open: probing Elasticsearch');
    }
  });
  metrics.readSpool({ pendingEvents: () => pipeline.spooledEvents, bytesOnDisk: () => spool?.bytesOnDisk ?? 0 });
  const streams = createStreamRegistry(config, now);
  const framing = createRequestFraming(config, metrics, now, (err) => app.log.error({ err: err.message }, 'framing worker failed; requests it held were answered 503, a new worker starts on demand'));
  const health = createEsHealth(client, (status) => {
    if (status === undefined) app.log.info({ elasticsearch: 'ok' }, 'Elasticsearch answers');
    else app.log.warn({ elasticsearch: status.cause }, `Elasticsearch not usable (${status.cause}): ${status.detail}; ${status.fix}`);
  }, now);
  const search = createSearchService({
    config,
    es: client,
    metrics,
    now,
    onBreakerChange: (state) => {
      if (state === 'closed') app.log.info({ searchBreaker: state }, 'search circuit breaker closed: searches go to Elasticsearch again');
      else app.log.warn({ searchBreaker: state }, state === 'open' ? 'search circuit breaker open: answering searches from the cache (stale) or 503' : 'search circuit breaker half-open: the next search probes Elasticsearch');
    },
  });
  let accepting = true;
  let unflushedAtClose = 0;

  app.decorate('gateway', {
    pipeline,
    metrics,
    stopIntake() { accepting = false; },
    get unflushedAtClose() { return unflushedAtClose; },
    get breakerState() { return breaker.state; },
    warmFramingWorkers: () => framing.warm(),
    reloadKeys: () => keys?.reload() ?? false,
  });

  await deps.beforeRoutes?.(app);
  app.addSchema(eventErrorSchema);
  app.addSchema(itemResultSchema);
  app.addSchema(problemSchema);

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
    if (err instanceof RateLimitedError || err instanceof RateLimitUnavailableError) {
      const limited = err instanceof RateLimitedError;
      if (request.routeOptions.config.access?.kind === 'es') {
        return reply.code(err.statusCode).type('application/json; charset=utf-8').send(JSON.stringify(esError(err.statusCode, 'es_rejected_execution_exception', err.message)));
      }
      return limited ? sendProblem(request, reply, 429, 'rate-limited', 'Too many requests', err.message) : sendProblem(request, reply, 503, 'rate-limit-unavailable', 'Rate limits unavailable', err.message);
    }
    if (err.validation !== undefined) return sendProblem(request, reply, 400, 'invalid-request', 'Invalid request', err.message);
    // A 4xx of Fastify's own (a body it could not parse, a bad header) is the client's to read;
    // an Elasticsearch client error that escaped is the gateway's failure, whatever its status,
    // and its message may name a node or a user: it is logged, not answered.
    const status = err instanceof esErrors.ElasticsearchClientError ? 500 : err.statusCode ?? 500;
    if (status < 500) return sendProblem(request, reply, status, (err.code ?? 'bad-request').toLowerCase(), 'Bad request', err.message);
    request.log.error({ err }, 'request failed');
    return sendProblem(request, reply, 500, 'internal-error', 'Internal error', 'the gateway failed to handle this request; it has been logged');
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, 404, 'not-found', 'Not found', `no route ${request.method} ${request.url.split('?')[0]}`));

  // Auth off: no store. On without a keys file (main.ts refuses to start so): no key is valid.
  const auth = config.auth;
  const keys: KeyStore | undefined = !auth.enabled ? undefined : auth.keysFile === undefined ? NO_KEYS : openKeyStore({
    file: auth.keysFile,
    pollMs: auth.keysPollMs,
    onReload: (n) => {
      metrics.apiKeys.set(n);
      app.log.info({ keys: n }, 'API keys loaded');
    },
    onError: (message) => app.log.error(message),
  });
  if (!auth.enabled) app.log.warn('GATEWAY_AUTH=off: every route is open to anyone who reaches the port; for local development only');
  registerAccess(app, { config: auth, keys, now });
  await registerRateLimit(app, auth.rateLimit, metrics, now);

  const intake = new IntakeGate(config.limits.intakeMaxBytes, config.limits.intakeMaxWaitMs);
  registerIngestRoutes(app, { config, streams, framing, pipeline, metrics, intake, accepting: () => accepting, now });
  registerEsCompatRoutes(app, { config, pipeline, metrics, intake, es: client, framing, accepting: () => accepting, now });
  registerSearchRoutes(app, search);
  if (deps.serveDocs !== false) registerDocsRoutes(app);
  registerOpsRoutes(app, metrics, {
    async check() {
      // Not ready: cannot take events. Degraded: takes them (into the spool) but cannot deliver now.
      const blocking: string[] = [];
      const degraded: string[] = [];
      if (!accepting) blocking.push('shutting down');
      if (pipeline.overHighWater) (spool === undefined ? blocking : degraded).push(`queue over high water (${pipeline.heldBytes} bytes held)`);
      if (breaker.state !== 'closed') degraded.push(`circuit breaker ${breaker.state}: Elasticsearch unavailable, ${pipeline.spooledEvents} events spooled`);
      if (templates !== undefined && !templates.done) degraded.push('index templates not installed yet');
      const esStatus = await health.status();
      if (esStatus !== undefined) (spool === undefined ? blocking : degraded).push(`Elasticsearch not usable (${esStatus.cause}): ${esStatus.detail}; ${esStatus.fix}`);
      const elasticsearch = esStatus?.cause ?? 'ok';
      const warnings = auth.enabled ? [] : ['GATEWAY_AUTH=off: every route is open to anyone who reaches the port (local development only)'];
      if (blocking.length > 0) return { status: 'not_ready', reasons: [...blocking, ...degraded], elasticsearch, warnings };
      return degraded.length > 0 ? { status: 'degraded', reasons: degraded, elasticsearch, warnings } : { status: 'ready', reasons: [], elasticsearch, warnings };
    },
  });

  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  app.addHook('onReady', async () => {
    if (pipeline.spooledEvents > 0) app.log.info({ events: pipeline.spooledEvents }, 'spool holds undelivered events: replaying');
    app.log.info({ elasticsearch: es.cloudId === undefined ? es.nodes.map(redactUrl) : 'cloud id', connection: es.connectionClass, sniff: es.sniff }, 'Elasticsearch client ready');
    void health.status();
    if (templates === undefined && !closed) fieldWatch ??= startFieldWatch(client, config, metrics, fieldBudgets, app.log);
    pipeline.resume();
  });
  const tls = config.server.tls;
  const stopWatchingTls = tls === undefined ? undefined : watchTlsFiles(tls, (files) => (app.server as unknown as TlsServer).setSecureContext(files), app.log);
  app.addHook('onClose', async () => {
    stopWatchingTls?.();
    accepting = false;
    unflushedAtClose = await pipeline.close(config.shutdownTimeoutMs);
    breaker.shutdown();
    search.close();
    keys?.close();
    await framing.close();
    templates?.stop();
    closed = true;
    lifecycleFallback?.stop();
    fieldWatch?.stop();
    if (unflushedAtClose > 0) app.log.error({ events: unflushedAtClose }, 'events accepted but neither flushed to Elasticsearch nor spooled before shutdown: lost');
    await client.close();
  });

  return app;
}
