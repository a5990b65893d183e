// One measured leg of an A/B bench (es-bulk.ts, tracing.ts): warm up, wait until the gateway is
// idle, then full speed for the mode's seconds with the gateway's CPU measured; prints a table row.
import type { Settings } from './context.ts';
import { NDJSON } from './context.ts';
import { fullSpeed } from './load.ts';
import { cpuWindow, waitGatewayIdle, type Child } from './proc.ts';

export interface AbRun { label: string; eventsPerSec: number; microsPerEvent: number; p99: number; statuses: Record<string, number> }

export async function measureLeg(label: string, gateway: Child, url: string, bodies: Buffer[], s: Settings): Promise<AbRun> {
  await fullSpeed(url, bodies, { seconds: s.warmupSeconds, connections: s.connections, contentType: NDJSON });
  await waitGatewayIdle(gateway.url, 30_000);
  const cpu = cpuWindow(gateway.pid);
  const r = await fullSpeed(url, bodies, { seconds: s.seconds, connections: s.connections, contentType: NDJSON });
  const used = cpu.stop();
  const events = r.requests2xx * s.eventsPerRequest;
  const run = { label, eventsPerSec: events / r.seconds, microsPerEvent: (used.cpuSeconds * 1e6) / events, p99: r.latencyMs.p99, statuses: r.statusCounts };
  console.log(`| ${label} | ${Math.round(run.eventsPerSec).toLocaleString('en-US')} | ${run.microsPerEvent.toFixed(2)} | ${run.p99.toFixed(1)} | ${JSON.stringify(run.statuses)} |`);
  await waitGatewayIdle(gateway.url, 30_000);
  return run;
}
