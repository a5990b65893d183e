// Operations endpoints: liveness, readiness (with the reason when not ready), metrics.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../telemetry/metrics.ts';

export interface Readiness {
  /** ready; degraded (still accepting, e.g. spooling while Elasticsearch is down); not_ready. */
  status: 'ready' | 'degraded' | 'not_ready';
  reasons: string[];
  /** Whether Elasticsearch is usable, else why: tls, auth, not_elasticsearch, unreachable, unavailable. */
  elasticsearch: string;
  /** What an operator should know although the gateway is ready (GATEWAY_AUTH=off). */
  warnings: string[];
}

export interface ReadinessCheck {
  check(): Promise<Readiness>;
}

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string' },
    reasons: { type: 'array', items: { type: 'string' } },
    warnings: { type: 'array', items: { type: 'string' }, description: 'What an operator should know although the gateway is ready (readiness only): GATEWAY_AUTH=off.' },
    elasticsearch: { type: 'string', enum: ['ok', 'tls', 'auth', 'not_elasticsearch', 'unreachable', 'unavailable'], description: 'Whether Elasticsearch is usable, else why (readiness only).' },
  },
} as const;

export function registerOpsRoutes(app: FastifyInstance, metrics: Metrics, readiness: ReadinessCheck): void {
  app.get('/healthz', {
    config: { access: { kind: 'open' }, rateLimit: false },
    schema: { summary: 'Liveness: the process is serving', tags: ['ops'], response: { 200: statusSchema } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    config: { access: { kind: 'open' }, rateLimit: false },
    schema: {
      summary: 'Readiness: 200 ready or degraded (still accepting: spooling while Elasticsearch is unavailable), 503 not ready (shutting down, or cannot accept)',
      tags: ['ops'],
      response: { 200: statusSchema, 503: statusSchema },
    },
  }, async (_request, reply) => {
    const r = await readiness.check();
    if (r.status === 'ready') return { status: 'ready', elasticsearch: r.elasticsearch, ...(r.warnings.length > 0 ? { warnings: r.warnings } : {}) };
    return reply.code(r.status === 'degraded' ? 200 : 503).send(r);
  });

  app.get('/metrics', {
    config: { access: { kind: 'ops' } },
    schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['ops'], produces: ['text/plain'], response: { 200: { type: 'string' } } },
  }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
