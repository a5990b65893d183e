// Scenario 4: latency at a fixed rate, open loop. Against the fake upstream at 50% of scenario 2's
// maximum: the ack latency of ack=accepted, and for ack=indexed the gateway's own
// ingest-to-confirmed latency (batching + one upstream round trip). Against the real node
// (after scenario 3), ack=indexed at 50% of what it indexed directly: ingest-to-indexed.
import { averageBytes, NDJSON, STREAM, type Context } from '../lib/context.ts';
import { benchStream, BENCH_PROPERTIES } from '../lib/events.ts';
import { createIndex, deleteIndex, refreshAndCount } from '../lib/es.ts';
import { paced, type PacedResult } from '../lib/load.ts';
import { cpuWindow, startGateway, waitGatewayIdle } from '../lib/proc.ts';
import type { Row } from '../lib/report.ts';
import { startNullUpstreamGateway } from './null-upstream.ts';

function latencyRow(ctx: Context, id: string, scenario: string, r: PacedResult, cpuCores: number, notes: string): Row {
  const ok = r.statusCounts[id.endsWith('a') ? '202' : '200'] ?? 0;
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

/**
 * ack=accepted latency of one gateway (from `root`) at a fixed rate, fake upstream: a warm-up at
 * that rate, then the measured window (for `--compare`).
 */
export async function measureAcceptedLatency(ctx: Context, opts: { id: string; label: string; eventsPerSec: number; root?: string }): Promise<Row> {
  const { settings: s } = ctx;
  const rate = opts.eventsPerSec / s.eventsPerRequest;
  const g = await startNullUpstreamGateway(ctx, [], opts.root);
  try {
    const load = { ratePerSecond: rate, seconds: s.latencySeconds, maxConnections: 64, contentType: NDJSON };
    await paced(g.ingestUrl, ctx.bodies, { ...load, seconds: s.warmupSeconds });
    await waitGatewayIdle(g.gateway.url, 30_000);
    const cpu = cpuWindow(g.gateway.pid);
    const r = await paced(`${g.ingestUrl}?ack=accepted`, ctx.bodies, load);
    const row = latencyRow(ctx, '4a', `fixed rate, ack=accepted (fake upstream): ack latency${opts.label}`, r, cpu.stop().cpuCores,
      `${rate.toFixed(0)} req/s × ${s.eventsPerRequest} events, open loop`);
    return { ...row, id: opts.id };
  } finally {
    await g.stop();
  }
}

export async function latencyNullUpstream(ctx: Context): Promise<void> {
  const { settings: s } = ctx;
  const max = ctx.measured.s2EventsPerSec;
  if (max === undefined) throw new Error('scenario 4 needs scenario 2 (its rate is 50% of scenario 2\'s maximum)');
  const rate = (0.5 * max) / s.eventsPerRequest;
  const g = await startNullUpstreamGateway(ctx);
  try {
    const load = { ratePerSecond: rate, seconds: s.latencySeconds, maxConnections: 64, contentType: NDJSON };
    await paced(g.ingestUrl, ctx.bodies, { ...load, seconds: s.warmupSeconds });
    for (const ack of ['accepted', 'indexed'] as const) {
      await waitGatewayIdle(g.gateway.url, 30_000);
      const cpu = cpuWindow(g.gateway.pid);
      const r = await paced(`${g.ingestUrl}?ack=${ack}`, ctx.bodies, load);
      const used = cpu.stop();
      const id = ack === 'accepted' ? '4a' : '4b';
      const row = latencyRow(ctx, id, ack === 'accepted'
        ? 'fixed rate 50% of #2, ack=accepted (fake upstream): ack latency'
        : 'fixed rate 50% of #2, ack=indexed (fake upstream): ingest→confirmed', r, used.cpuCores,
      `${rate.toFixed(0)} req/s × ${s.eventsPerRequest} events, open loop`);
      if (ack === 'accepted') ctx.measured.s4AcceptedP99Ms = r.latencyMs.p99;
      ctx.results.add(`s4-latency-${ack}-null-upstream`, [row], { ratePerSecond: rate, load: r, cpu: used });
    }
  } finally {
    await g.stop();
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
    const row = latencyRow(ctx, '4c', 'fixed rate 50% of #3 direct, ack=indexed (Elasticsearch): ingest→indexed', r, used.cpuCores,
      `${rate.toFixed(1)} req/s × ${s.eventsPerRequest} events; Elasticsearch ${esUsed.cpuCores.toFixed(2)} cores`);
    ctx.results.add('s4-latency-indexed-elasticsearch', [row], { ratePerSecond: rate, load: r, cpu: used, esCpu: esUsed, indexed });
  } finally {
    await gateway.stop();
    await deleteIndex(es.url, index);
  }
}
