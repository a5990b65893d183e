// The OpenTelemetry Node SDK as the gateway runs it: exporter, sampler, resource and propagators
// from the OTEL_* variables (OTLP by default), @fastify/otel for the routes; the Elasticsearch
// client traces its own requests through the global provider. Metrics stay Prometheus (/metrics).
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { onTracingShutdown } from './tracing.ts';

/** Starts the SDK; tests pass their own span processor (an in-memory exporter). */
export function startTracing(spanProcessors?: SpanProcessor[]): NodeSDK {
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'es-gateway',
    instrumentations: [new FastifyOtelInstrumentation({ registerOnInitialization: true })],
    ...(spanProcessors === undefined ? {} : { spanProcessors }),
  });
  sdk.start();
  onTracingShutdown(() => sdk.shutdown());
  return sdk;
}
