// Traces through @opentelemetry/api: no-ops (and nearly free) until an SDK is started
// (telemetry/otel-preload.ts, with OTEL_* settings). A request's span is made by @fastify/otel;
// the stages add what only they know: a bulk flush's span linked to the requests whose events it
// carries (one batch serves many requests: links, not a parent), spool appends and replays.
import { context, SpanStatusCode, trace, type Attributes, type Link, type Span } from '@opentelemetry/api';
import type { TraceLink } from '../model/event-block.ts';

export const tracer = trace.getTracer('es-gateway');

/** The active span as a link target, when it is being recorded (sampled). */
export function activeTraceLink(): TraceLink | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) return undefined;
  const c = span.spanContext();
  return { traceId: c.traceId, spanId: c.spanId, traceFlags: c.traceFlags };
}

/** Adds attributes to the active span (a request's), if one is recorded. */
export function annotateActiveSpan(attributes: Attributes): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording() === true) span.setAttributes(attributes);
}

/** Links to each distinct request span among `targets`. */
export function linksTo(targets: Iterable<TraceLink | undefined>): Link[] {
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const t of targets) {
    if (t === undefined || seen.has(t.spanId)) continue;
    seen.add(t.spanId);
    links.push({ context: { traceId: t.traceId, spanId: t.spanId, traceFlags: t.traceFlags } });
  }
  return links;
}

/**
 * Runs `fn` in a new active span (its child spans, e.g. the Elasticsearch client's, hang under it)
 * and ends it. `root`: a trace of its own, whatever is active (a batch is not any one request's).
 */
export async function inSpan<T>(name: string, attributes: Attributes, links: Link[], fn: (span: Span) => Promise<T>, root = false): Promise<T> {
  const span = tracer.startSpan(name, { attributes, links, root });
  try {
    return await context.with(trace.setSpan(context.active(), span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}

/** The active span's ids for a log line (pino mixin): every line of a request carries its trace id. */
export function traceLogFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const c = span.spanContext();
  return { trace_id: c.traceId, span_id: c.spanId };
}

let shutdown: (() => Promise<void>) | undefined;

/** Set by the SDK's starter: flushes and stops it. */
export function onTracingShutdown(fn: () => Promise<void>): void {
  shutdown = fn;
}

/** Flushes the spans still buffered (at the end of the graceful drain). */
export async function shutdownTracing(): Promise<void> {
  await shutdown?.().catch(() => undefined);
}
