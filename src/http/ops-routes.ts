// Operations endpoints: liveness, readiness (with the reason when not ready), metrics.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../telemetry/metrics.ts';

export interface Readiness {
  /** ready; degraded (still accepting, e.g. spooling while Elasticsearch is down); not_ready. */
  status: 'ready' | 'degraded' | 'not_ready';
  reasons: string[];
  /** Whether Elasticsearch is usable, else why: tls, auth, not_elasticsearch, unreachable, unavailable. */
  elasticsearch: string;
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
    elasticsearch: { type: 'string', enum: ['ok', 'tls', 'auth', 'not_elasticsearch', 'unreachable', 'unavailable'], description: 'Whether Elasticsearch is usable, else why (readiness only).' },
  },
} as const;

export function registerOpsRoutes(app: FastifyInstance, metrics: Metrics, readiness: ReadinessCheck): void {
  app.get('/healthz', {
    schema: { summary: 'Liveness: the process is serving', tags: ['ops'], response: { 200: statusSchema } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    schema: {
      summary: 'Readiness: 200 ready or degraded (still accepting: spooling while Elasticsearch is unavailable), 503 not ready (shutting down, or cannot accept)',
      tags: ['ops'],
      response: { 200: statusSchema, 503: statusSchema },
    },
  }, async (_request, reply) => {
    const r = await readiness.check();
    if (r.status === 'ready') return { status: 'ready', elasticsearch: r.elasticsearch };
    return reply.code(r.status === 'degraded' ? 200 : 503).send(r);
  });

  app.get('/metrics', {
    schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['ops'], produces: ['text/plain'], response: { 200: { type: 'string' } } },
  }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
