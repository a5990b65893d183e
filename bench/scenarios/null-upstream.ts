// Scenario 2: the gateway's own cost. The gateway (validation on: the stream has a JSON Schema)
// forwards to the FAKE bulk upstream (bench/fake-bulk-upstream.ts), which answers success at once.
import { averageBytes, NDJSON, STREAM, type Context } from '../lib/context.ts';
import { benchStream } from '../lib/events.ts';
import { fullSpeed } from '../lib/load.ts';
import { cpuWindow, gatewayMetric, machineWindow, peakRssMb, rssMb, sleep, startGateway, startPortPrinter, waitGatewayIdle, type Child } from '../lib/proc.ts';
import type { Row } from '../lib/report.ts';

export interface NullUpstreamGateway {
  fake: Child;
  gateway: Child;
  /** RSS one second after it answered /healthz, before any request. */
  idleRssMb: number;
  /** POST url of the bench stream. */
  ingestUrl: string;
  fakeStats(): Promise<{ requests: number; docs: number; badActions: number }>;
  stop(): Promise<number | null>;
}

export async function startNullUpstreamGateway(ctx: Context, nodeArgs: string[] = [], root = ctx.gatewayRoot, env: Record<string, string> = {}): Promise<NullUpstreamGateway> {
  const fake = await startPortPrinter('bench/fake-bulk-upstream.ts', []);
  let gateway: Child;
  try {
    gateway = await startGateway({
      esUrl: fake.url,
      env: { GATEWAY_INSTALL_TEMPLATES: 'false', GATEWAY_BATCH_MAX_DOCS: String(ctx.settings.bulkDocs), ...env },
      streams: { streams: { [STREAM]: benchStream(undefined) } },
      nodeArgs,
      tmpDir: ctx.tmpDir,
      ...(root === undefined ? {} : { root }),
    });
  } catch (err) {
    await fake.stop();
    throw err;
  }
  await sleep(1000);
  const idleRssMb = rssMb(gateway.pid);
  const ingestUrl = `${gateway.url}/v1/events/${STREAM}`;
  // Every event of the pool must pass validation: one request, checked.
  const res = await fetch(ingestUrl, { method: 'POST', headers: { 'content-type': NDJSON }, body: ctx.bodies[0] });
  const answer = (await res.json()) as { accepted?: number; rejected?: number };
  if (res.status !== 202 || answer.accepted !== ctx.settings.eventsPerRequest || answer.rejected !== 0) {
    throw new Error(`gateway refused benchmark events: ${res.status} ${JSON.stringify(answer).slice(0, 500)}`);
  }
  return {
    fake,
    gateway,
    idleRssMb,
    ingestUrl,
    async fakeStats() { return (await fetch(`${fake.url}/_fake/stats`)).json() as Promise<{ requests: number; docs: number; badActions: number }>; },
    async stop() {
      const code = await gateway.stop();
      await fake.stop();
      return code;
    },
  };
}

export interface GatewayRun {
  eventsPerSec: number;
  row: Row;
  detail: Record<string, unknown>;
}

/** One full-speed run against a fresh gateway + fake upstream; `label` names the checkout or the variant, `env` its settings. */
export async function measureNullUpstream(ctx: Context, opts: { id: string; label: string; nodeArgs?: string[]; root?: string; env?: Record<string, string> }): Promise<GatewayRun> {
  const { settings: s } = ctx;
  const g = await startNullUpstreamGateway(ctx, opts.nodeArgs, opts.root, opts.env);
  try {
    const idleRssMb = g.idleRssMb;
    const load = { seconds: s.warmupSeconds, connections: s.connections, contentType: NDJSON };
    const warm = await fullSpeed(g.ingestUrl, ctx.bodies, load);
    await waitGatewayIdle(g.gateway.url, 30_000);
    const fsyncsBefore = await segmentFsyncs(g.gateway.url);
    const cpu = cpuWindow(g.gateway.pid);
    const fakeCpu = cpuWindow(g.fake.pid);
    const harnessCpu = cpuWindow(process.pid);
    const machineCpu = machineWindow();
    const r = await fullSpeed(g.ingestUrl, ctx.bodies, { ...load, seconds: s.seconds });
    const used = cpu.stop();
    const fakeUsed = fakeCpu.stop();
    const harnessUsed = harnessCpu.stop();
    const machineBusy = machineCpu.stop();
    const fsyncsAfter = await segmentFsyncs(g.gateway.url);
    const fsyncs = fsyncsAfter.count - fsyncsBefore.count;
    const fsyncNote = fsyncs > 0 ? `; segment fsyncs ${(fsyncs / r.seconds).toFixed(0)}/s, mean ${((1000 * (fsyncsAfter.seconds - fsyncsBefore.seconds)) / fsyncs).toFixed(2)} ms` : '';
    // The gateway's own count: requests cut off when the generator stopped were accepted too, and
    // may still be framing when the queue first looks empty: wait until the count holds still.
    let accepted = Number.NaN;
    for (;;) {
      await waitGatewayIdle(g.gateway.url, 30_000);
      const now = await gatewayMetric(g.gateway.url, `es_gateway_events_accepted_total{stream="${STREAM}"}`);
      if (now === accepted) break;
      accepted = now;
      await sleep(200);
    }
    const stats = await g.fakeStats();
    const seen = (1 + warm.requests2xx + r.requests2xx) * s.eventsPerRequest;
    if (accepted < seen) throw new Error(`the generator saw ${seen} events accepted, the gateway counts ${accepted}`);
    const peak = peakRssMb(g.gateway.pid);
    const exitCode = await g.stop();
    if (stats.docs !== accepted || stats.badActions !== 0) throw new Error(`fake upstream received ${stats.docs} documents (${stats.badActions} bad actions), the gateway accepted ${accepted}`);
    const eventsPerSec = (r.requests2xx * s.eventsPerRequest) / r.seconds;
    const refused = Object.entries(r.statusCounts).filter(([code]) => code !== '202').map(([code, n]) => `${n}×${code}`).join(', ');
    return {
      eventsPerSec,
      row: {
        id: opts.id,
        scenario: `gateway → fake bulk upstream (null), validation on${opts.label}`,
        eventsPerSec,
        mbPerSec: (r.requests2xx * averageBytes(ctx.bodies)) / r.seconds / 1e6,
        ...r.latencyMs,
        cpuCores: used.cpuCores,
        peakRssMb: peak,
        notes: `idle RSS ${idleRssMb.toFixed(0)} MB; CPU: fake upstream ${fakeUsed.cpuCores.toFixed(2)}, generator ${harnessUsed.cpuCores.toFixed(2)}, machine ${machineBusy.toFixed(2)} cores; upstream got all ${accepted.toLocaleString('en-US')} accepted events${fsyncNote}${refused === '' ? '' : `; refused: ${refused}`}`,
      },
      detail: { load: r, cpu: used, fakeUpstreamCpu: fakeUsed, generatorCpu: harnessUsed, machineBusyCores: machineBusy, fakeUpstream: stats, acceptedByGateway: accepted, idleRssMb, peakRssMb: peak, exitCode },
    };
  } finally {
    await g.stop();
  }
}

/** The gateway's segment fsyncs so far (count and seconds in all): 0 in memory mode. */
async function segmentFsyncs(url: string): Promise<{ count: number; seconds: number }> {
  const series = (part: string) => gatewayMetric(url, `es_gateway_spool_fsync_seconds_${part}{target="segment"}`).then((v) => (Number.isNaN(v) ? 0 : v));
  return { count: await series('count'), seconds: await series('sum') };
}

export async function nullUpstream(ctx: Context): Promise<void> {
  const run = await measureNullUpstream(ctx, { id: '2', label: '' });
  ctx.measured.s2EventsPerSec = run.eventsPerSec;
  ctx.measured.s2IdleRssMb = run.detail.idleRssMb as number;
  ctx.measured.s2P99Ms = run.row.p99;
  ctx.results.add('s2-gateway-null-upstream', [run.row], run.detail);
}
