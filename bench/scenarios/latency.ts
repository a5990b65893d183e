// Scenario 4: latency at a fixed rate, open loop. Against the fake upstream at 50% of scenario 2's
// maximum: the ack latency of ack=accepted, and for ack=indexed the gateway's own
// ingest-to-confirmed latency (batching + one upstream round trip). Against the real node
// (after scenario 3), ack=indexed at 50% of what it indexed directly: ingest-to-indexed.
import { averageBytes, NDJSON, STREAM, type Context } from '../lib/context.ts';
import { benchStream, BENCH_PROPERTIES } from '../lib/events.ts';
import { createIndex, deleteIndex, refreshAndCount } from '../lib/es.ts';
import { paced, type PacedResult } from '../lib/load.ts';
import { cpuWindow, requestDurations, startGateway, waitGatewayIdle, type CpuWindow } from '../lib/proc.ts';
import type { Row } from '../lib/report.ts';
import { routeBuckets, serverLatency, type ServerLatency } from '../lib/server-latency.ts';
import { startNullUpstreamGateway } from './null-upstream.ts';

/** A row from a paced window; `okStatus`: the answer that counts as delivered (202 for ack=accepted, 200 for ack=indexed). */
function latencyRow(ctx: Context, id: string, okStatus: 200 | 202, scenario: string, r: PacedResult, cpuCores: number, notes: string): Row {
  const ok = r.statusCounts[String(okStatus)] ?? 0;
  const other = Object.entries(r.statusCounts).filter(([c]) => c !== '202' && c !== '200').map(([c, n]) => `${n}×${c}`);
  return {
    id,
    scenario,
    eventsPerSec: (ok * ctx.settings.eventsPerRequest) / r.seconds,
    mbPerSec: (ok * averageBytes(ctx.bodies)) / r.seconds / 1e6,
    ...r.latencyMs,
    cpuCores,
    notes: `${notes}; ${r.latencyMs.samples} requests${other.length > 0 ? `; ${other.join(', ')}` : ''}${r.errors > 0 ? `; ${r.errors} errors` : ''}${r.late > 0 ? `; generator late ${r.late}×` : ''}`,
  };
}

/** What one paced window against a fake-upstream gateway measured. */
interface PacedWindow {
  ack: 'accepted' | 'indexed';
  ratePerSecond: number;
  r: PacedResult;
  cpu: ReturnType<CpuWindow['stop']>;
  /** Share of the window's answered requests the gateway itself timed at 5 ms or less (its request-duration histogram). */
  serverWithin5ms: number;
  /** The window by the gateway's own request-duration histogram (undefined: a checkout without it). */
  server: ServerLatency | undefined;
}

/**
 * Starts a gateway (from `root`) on the fake upstream, warms it up at `eventsPerSec`, then paces
 * one measured window per ack mode at that rate.
 */
async function pacedOnNullUpstream(ctx: Context, eventsPerSec: number, acks: readonly ('accepted' | 'indexed')[], root?: string): Promise<PacedWindow[]> {
  const { settings: s } = ctx;
  const ratePerSecond = eventsPerSec / s.eventsPerRequest;
  const g = await startNullUpstreamGateway(ctx, [], root);
  try {
    const load = { ratePerSecond, seconds: s.latencySeconds, maxConnections: 64, contentType: NDJSON };
    await paced(g.ingestUrl, ctx.bodies, { ...load, seconds: s.warmupSeconds });
    const out: PacedWindow[] = [];
    for (const ack of acks) {
      await waitGatewayIdle(g.gateway.url, 30_000);
      const status = ack === 'accepted' ? 202 : 200;
      const before = await requestDurations(g.gateway.url, INGEST_ROUTE, status, '0.005');
      const buckets = await routeBuckets(g.gateway.url, INGEST_ROUTE, status);
      const cpu = cpuWindow(g.gateway.pid);
      const r = await paced(`${g.ingestUrl}?ack=${ack}`, ctx.bodies, load);
      const used = cpu.stop();
      const after = await requestDurations(g.gateway.url, INGEST_ROUTE, status, '0.005');
      const server = serverLatency(buckets, await routeBuckets(g.gateway.url, INGEST_ROUTE, status));
      out.push({ ack, ratePerSecond, r, cpu: used, serverWithin5ms: (after.within - before.within) / (after.count - before.count), server });
    }
    return out;
  } finally {
    await g.stop();
  }
}

const INGEST_ROUTE = '/v1/events/:stream';
// The gateway's own view beside the client's: its histogram times a request from its headers to
// its response written, so what the client sees on top is the generator, the loopback and the
// time before the gateway's event loop got to the request.
const pacedNotes = (ctx: Context, w: PacedWindow) => `${w.ratePerSecond.toFixed(0)} req/s × ${ctx.settings.eventsPerRequest} events, open loop`
  + (w.ack !== 'accepted' || Number.isNaN(w.serverWithin5ms) ? '' : `; ${(100 * w.serverWithin5ms).toFixed(1)}% within 5 ms by the gateway's own request-duration histogram`)
  + (w.ack !== 'accepted' || w.server === undefined ? '' : `, its p99 ≤ ${w.server.p99Ms} ms (bucket bound)`);

/** ack=accepted latency of one gateway (from `root`) at a fixed rate, fake upstream (for `--compare`). */
export async function measureAcceptedLatency(ctx: Context, opts: { id: string; label: string; eventsPerSec: number; root?: string }): Promise<Row> {
  const [w] = await pacedOnNullUpstream(ctx, opts.eventsPerSec, ['accepted'], opts.root) as [PacedWindow];
  return latencyRow(ctx, opts.id, 202, `fixed rate, ack=accepted (fake upstream): ack latency${opts.label}`, w.r, w.cpu.cpuCores, pacedNotes(ctx, w));
}

export async function latencyNullUpstream(ctx: Context): Promise<void> {
  const max = ctx.measured.s2EventsPerSec;
  if (max === undefined) throw new Error('scenario 4 needs scenario 2 (its rate is 50% of scenario 2\'s maximum)');
  for (const w of await pacedOnNullUpstream(ctx, 0.5 * max, ['accepted', 'indexed'])) {
    const row = w.ack === 'accepted'
      ? latencyRow(ctx, '4a', 202, 'fixed rate 50% of #2, ack=accepted (fake upstream): ack latency', w.r, w.cpu.cpuCores, pacedNotes(ctx, w))
      : latencyRow(ctx, '4b', 200, 'fixed rate 50% of #2, ack=indexed (fake upstream): ingest→confirmed', w.r, w.cpu.cpuCores, pacedNotes(ctx, w));
    if (w.ack === 'accepted') {
      ctx.measured.s4AcceptedP99Ms = w.r.latencyMs.p99;
      if (w.server !== undefined) ctx.measured.s4ServerP99Ms = w.server.p99Ms;
    }
    ctx.results.add(`s4-latency-${w.ack}-null-upstream`, [row], { ratePerSecond: w.ratePerSecond, load: w.r, cpu: w.cpu, server: w.server });
  }
}

export async function latencyElasticsearch(ctx: Context): Promise<void> {
  const { settings: s, es } = ctx;
  if (es === undefined) throw new Error('no Elasticsearch');
  const direct = ctx.measured.s3DirectDocsPerSec;
  if (direct === undefined) throw new Error('scenario 4c needs scenario 3 (its rate is 50% of the direct indexing rate)');
  const rate = (0.5 * direct) / s.eventsPerRequest;
  const index = `bench-${ctx.runTag}-s4`;
  await createIndex(es.url, index, { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { dynamic: 'strict', properties: BENCH_PROPERTIES } });
  const gateway = await startGateway({
    esUrl: es.url,
    env: { GATEWAY_BATCH_MAX_DOCS: String(s.bulkDocs) },
    streams: { streams: { [STREAM]: benchStream(index) } },
    tmpDir: ctx.tmpDir,
    waitReady: true,
    ...(ctx.gatewayRoot === undefined ? {} : { root: ctx.gatewayRoot }),
  });
  try {
    const url = `${gateway.url}/v1/events/${STREAM}?ack=indexed`;
    const load = { ratePerSecond: rate, seconds: s.latencySeconds, maxConnections: 64, contentType: NDJSON };
    await paced(url, ctx.bodies, { ...load, seconds: s.warmupSeconds });
    await waitGatewayIdle(gateway.url, 60_000);
    const cpu = cpuWindow(gateway.pid);
    const esCpu = cpuWindow(es.pid);
    const r = await paced(url, ctx.bodies, load);
    const used = cpu.stop();
    const esUsed = esCpu.stop();
    await waitGatewayIdle(gateway.url, 60_000);
    const indexed = await refreshAndCount(es.url, index);
    const row = latencyRow(ctx, '4c', 200, 'fixed rate 50% of #3 direct, ack=indexed (Elasticsearch): ingest→indexed', r, used.cpuCores,
      `${rate.toFixed(1)} req/s × ${s.eventsPerRequest} events; Elasticsearch ${esUsed.cpuCores.toFixed(2)} cores`);
    ctx.results.add('s4-latency-indexed-elasticsearch', [row], { ratePerSecond: rate, load: r, cpu: used, esCpu: esUsed, indexed });
  } finally {
    await gateway.stop();
    await deleteIndex(es.url, index);
  }
}
