// Request rate limits (@fastify/rate-limit): per API key (its `rateLimit`, else
// GATEWAY_RATE_LIMIT_MAX per window), per client address where no key is asked for. With
// GATEWAY_RATE_LIMIT_REDIS_URL the counters live in Redis, so all replicas share one limit.
// Redis unreachable: `open` lets requests through (a warning every so often and a metric),
// `closed` answers 503. Over the limit: 429 with Retry-After and the RateLimit-* headers.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { AuthConfig } from '../config/config.ts';
import type { Metrics } from '../telemetry/metrics.ts';

/** Thrown by the plugin over the limit; the error handler answers it (problem+json or Elasticsearch's shape). */
export class RateLimitedError extends Error {
  readonly statusCode = 429;
  readonly retryAfterSeconds: number;
  constructor(detail: string, retryAfterSeconds: number) {
    super(detail);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Thrown when Redis cannot be reached and GATEWAY_RATE_LIMIT_REDIS_FAILURE=closed. */
export class RateLimitUnavailableError extends Error {
  readonly statusCode = 503;
}

const WARN_EVERY_MS = 10_000;

export async function registerRateLimit(app: FastifyInstance, config: AuthConfig['rateLimit'], metrics: Metrics, now: () => number): Promise<void> {
  const limitOf = (request: FastifyRequest) => request.apiKey?.entry.rateLimit ?? config.max;
  let redis: Redis | undefined;
  if (config.redisUrl !== undefined) {
    // Commands fail at once while Redis is away (no queue, one try): a request never waits on it.
    // Loaded only when used: ioredis holds ~2 MB of the heap (bench/README.md, the heap at rest).
    const { Redis: RedisClient } = await import('ioredis');
    redis = new RedisClient(config.redisUrl, { connectTimeout: 500, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
    // Its errors are reported by the requests that find it away (below); unheard, ioredis prints them.
    redis.on('error', () => undefined);
    // Connected before the gateway listens (at most connectTimeout): else its first requests find
    // the store not ready and are let through unlimited (or refused, when closed).
    await redis.connect().catch(() => undefined);
    const store = redis;
    let warnedAt = -Infinity;
    app.addHook('onClose', async () => {
      store.disconnect();
    });
    // Before the plugin's own hook (route level, after this one): its store calls fail while Redis is away.
    app.addHook('onRequest', async (request) => {
      if (store.status === 'ready' || request.routeOptions.config.rateLimit === false || request.routeOptions.url === undefined) return;
      metrics.rateLimitStoreErrors.inc();
      if (now() - warnedAt >= WARN_EVERY_MS) {
        warnedAt = now();
        app.log.warn({ redis: store.status, failure: config.redisFailure }, config.redisFailure === 'open' ? 'rate-limit store (Redis) unreachable: requests are let through without a limit' : 'rate-limit store (Redis) unreachable: requests are answered 503');
      }
      if (config.redisFailure === 'closed') throw new RateLimitUnavailableError('the rate-limit store is unreachable; retry shortly');
    });
  }
  await app.register(rateLimit, {
    global: true,
    max: (request) => limitOf(request),
    timeWindow: config.windowMs,
    keyGenerator: (request) => (request.apiKey === undefined ? `ip:${request.ip}` : `key:${request.apiKey.entry.name}`),
    enableDraftSpec: true,
    skipOnError: true,
    ...(redis === undefined ? {} : { redis, nameSpace: 'es-gateway-rl:' }),
    errorResponseBuilder: (request, context) => new RateLimitedError(
      `${request.apiKey === undefined ? 'this address' : 'this key'} may make ${context.max} requests per ${config.windowMs} ms; retry after ${Math.ceil(context.ttl / 1000)} s`,
      Math.max(1, Math.ceil(context.ttl / 1000)),
    ),
  });
}
