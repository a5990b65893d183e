// Loaded before the app with `node --import` (npm run serve, npm start, the image): starts the
// OpenTelemetry SDK, configured only by the standard OTEL_* variables, when they name a trace
// exporter or an OTLP endpoint; otherwise it loads nothing (tracing off costs no memory).
// Worker threads inherit --import: they frame bodies and trace nothing, so they skip it.
import { isMainThread } from 'node:worker_threads';

const env = process.env;
const exporter = env.OTEL_TRACES_EXPORTER;
const configured = isMainThread && env.OTEL_SDK_DISABLED !== 'true' && exporter !== 'none'
  && (exporter !== undefined || env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined);

if (configured) {
  const { startTracing } = await import('./otel-sdk.ts');
  startTracing();
}
