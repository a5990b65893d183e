// Operations endpoints: liveness, readiness (with the reason when not ready), metrics.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../telemetry/metrics.ts';

export interface ReadinessCheck {
  /** Reasons the gateway should not get traffic now; empty when ready. */
  notReadyReasons(): Promise<string[]>;
}

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' }, reasons: { type: 'array', items: { type: 'string' } } },
} as const;

export function registerOpsRoutes(app: FastifyInstance, metrics: Metrics, readiness: ReadinessCheck): void {
  app.get('/healthz', {
    schema: { summary: 'Liveness: the process is serving', tags: ['ops'], response: { 200: statusSchema } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    schema: {
      summary: 'Readiness: Elasticsearch reachable, queue below high water, not shutting down',
      tags: ['ops'],
      response: { 200: statusSchema, 503: statusSchema },
    },
  }, async (_request, reply) => {
    const reasons = await readiness.notReadyReasons();
    return reasons.length === 0 ? { status: 'ready' } : reply.code(503).send({ status: 'not_ready', reasons });
  });

  app.get('/metrics', {
    schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['ops'], produces: ['text/plain'], response: { 200: { type: 'string' } } },
  }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
