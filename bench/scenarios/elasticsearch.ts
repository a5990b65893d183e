// Scenario 3: the same events into a real Elasticsearch node (a) through the gateway and (b) by
// the generator as `_bulk` requests of the gateway's batch size straight to the node, same
// in-flight cap. Docs indexed per second = N / (first send → refreshed count shows N).
import { NDJSON, STREAM, type Context } from '../lib/context.ts';
import { benchStream, BENCH_PROPERTIES, bulkBodies, makeEvents, ndjsonBodies } from '../lib/events.ts';
import { createIndex, deleteIndex, refreshAndCount } from '../lib/es.ts';
import { deliverAll } from '../lib/load.ts';
import { cpuWindow, gatewayMetric, peakRssMb, sleep, startGateway, waitGatewayIdle, waitQuiet } from '../lib/proc.ts';
import type { Row } from '../lib/report.ts';

/** What the gateway asks for on every bulk request (src/sink/bulk-sink.ts). */
const FILTER_PATH = 'errors,items.*.status,items.*.error';
const WARMUP_STREAM = `${STREAM}-warmup`;
const IN_FLIGHT = 4; // GATEWAY_MAX_IN_FLIGHT's default, set explicitly below

type Path = 'gateway' | 'gateway-no-spool' | 'direct';

interface PathRun { path: Path; spooledEvents?: number; docsPerSec: number; seconds: number; esCpuCores: number; gatewayCpuCores?: number; gatewayPeakRssMb?: number; refused: number; requests: number; quietWaitMs: number; warmupGatewayMicrosPerDoc?: number }

async function waitCount(url: string, index: string, n: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const count = await refreshAndCount(url, index);
    if (count >= n) {
      if (count > n) throw new Error(`${index} holds ${count} documents, ${n} were sent`);
      return performance.now();
    }
    if (performance.now() > deadline) throw new Error(`${index} holds ${count} of ${n} documents after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function elasticsearchPaths(ctx: Context): Promise<void> {
  const { settings: s, es } = ctx;
  if (es === undefined) throw new Error('no Elasticsearch');
  const indexBody = { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { dynamic: 'strict', properties: BENCH_PROPERTIES } };
  const runs: PathRun[] = [];

  // Warm the node up (JIT, first segments) so neither path pays for it: loads of one run's size,
  // direct, until the node's CPU per document stops falling by more than 10% (at most 6). After a
  // shorter warm-up, whichever path ran first paid for the rest of it (bench/README.md, "Scenario
  // 3: the node and the gateway warmed up first").
  const warmup: number[] = [];
  for (let k = 0; k < 6; k++) {
    const index = `bench-${ctx.runTag}-s3-warmup-${k}`;
    await createIndex(es.url, index, indexBody);
    const events = makeEvents(7 + k, s.s3Events, 0, { idPrefix: `w${k}` });
    const esCpu = cpuWindow(es.pid);
    await deliverAll(`${es.url}/_bulk?filter_path=${FILTER_PATH}`, bulkBodies(events, events.map((_, i) => `w${k}-${i}`), s.bulkDocs, index), { concurrency: IN_FLIGHT, contentType: NDJSON });
    warmup.push((esCpu.stop().cpuSeconds * 1e6) / s.s3Events);
    await deleteIndex(es.url, index);
    if (k > 0 && (warmup[k] as number) > 0.9 * (warmup[k - 1] as number)) break;
  }
  console.error(`  3: warm-up, node CPU per document: ${warmup.map((x) => `${x.toFixed(1)} µs`).join(', ')}`);

  // The gateway as configured by default (spool on), the gateway without a spool (memory queue
  // only: 429 when full), and the direct path; the order alternates between rounds.
  const order: Path[] = [];
  for (let r = 0; r < s.s3Rounds; r++) order.push(...(r % 2 === 0 ? ['gateway', 'gateway-no-spool', 'direct'] as const : ['direct', 'gateway-no-spool', 'gateway'] as const));
  for (const [i, path] of order.entries()) {
    const index = `bench-${ctx.runTag}-s3-${path}-${i}`;
    const prefix = `s3r${i}`;
    // Same seed for every run: the same events, only the ids' prefix differs.
    const events = makeEvents(3, s.s3Events, 0, { idPrefix: prefix });
    await createIndex(es.url, index, indexBody);
    // Each path starts on a quiet node, so the previous one's leftovers (its index deleted,
    // merges) are not charged to it.
    let quietMs = await waitQuiet(es.pid);
    try {
      if (path === 'direct') {
        const bodies = bulkBodies(events, events.map((_, j) => `${prefix}-${j}`), s.bulkDocs, index);
        const esCpu = cpuWindow(es.pid);
        const sent = await deliverAll(`${es.url}/_bulk?filter_path=${FILTER_PATH}`, bodies, {
          concurrency: IN_FLIGHT, contentType: NDJSON,
          check: (b) => (b.startsWith('{"errors":false') ? undefined : `bulk errors: ${b.slice(0, 300)}`),
        });
        const done = await waitCount(es.url, index, s.s3Events, 300_000);
        const seconds = (done - sent.firstSendAt) / 1000;
        runs.push({ path, docsPerSec: s.s3Events / seconds, seconds, esCpuCores: esCpu.stop().cpuCores, refused: sent.refused, requests: sent.requests, quietWaitMs: quietMs });
      } else {
        // The gateway warmed up as the node was (and as a gateway in service is): it is sent
        // s3GatewayWarmupEvents into an index of its own first, which is then deleted, and the
        // measured run starts once the node is quiet again. A fresh process frames its first
        // requests before V8 has optimised the hot path, and starts its framing worker on the
        // first large one (bench/README.md, "Scenario 3: the node and the gateway warmed up first").
        const warmIndex = `${index}-warmup`;
        await createIndex(es.url, warmIndex, indexBody);
        const gateway = await startGateway({
          esUrl: es.url,
          env: { GATEWAY_BATCH_MAX_DOCS: String(s.bulkDocs), GATEWAY_MAX_IN_FLIGHT: String(IN_FLIGHT), ...(path === 'gateway-no-spool' ? { GATEWAY_SPOOL_DIR: '' } : {}) },
          streams: { streams: { [STREAM]: benchStream(index), [WARMUP_STREAM]: benchStream(warmIndex) } },
          tmpDir: ctx.tmpDir,
          waitReady: true,
          ...(ctx.gatewayRoot === undefined ? {} : { root: ctx.gatewayRoot }),
        });
        try {
          const warmCpu = cpuWindow(gateway.pid);
          const warmEvents = makeEvents(11, s.s3GatewayWarmupEvents, 0, { idPrefix: `${prefix}w` });
          await deliverAll(`${gateway.url}/v1/events/${WARMUP_STREAM}`, ndjsonBodies(warmEvents, s.eventsPerRequest), { concurrency: IN_FLIGHT, contentType: NDJSON });
          await waitGatewayIdle(gateway.url, 300_000);
          await waitCount(es.url, warmIndex, s.s3GatewayWarmupEvents, 300_000);
          const warmupGatewayMicrosPerDoc = (warmCpu.stop().cpuSeconds * 1e6) / s.s3GatewayWarmupEvents;
          await deleteIndex(es.url, warmIndex);
          quietMs += await waitQuiet(es.pid);
          const bodies = ndjsonBodies(events, s.eventsPerRequest);
          const esCpu = cpuWindow(es.pid);
          const gwCpu = cpuWindow(gateway.pid);
          const sent = await deliverAll(`${gateway.url}/v1/events/${STREAM}`, bodies, {
            concurrency: IN_FLIGHT, contentType: NDJSON,
            check: (b) => {
              const a = JSON.parse(b) as { accepted?: number; rejected?: number };
              return a.accepted === s.eventsPerRequest && a.rejected === 0 ? undefined : `not all accepted: ${b.slice(0, 300)}`;
            },
          });
          await waitGatewayIdle(gateway.url, 300_000);
          const done = await waitCount(es.url, index, s.s3Events, 300_000);
          const seconds = (done - sent.firstSendAt) / 1000;
          const spooled = await gatewayMetric(gateway.url, 'es_gateway_spooled_events_total');
          runs.push({
            path, spooledEvents: spooled, docsPerSec: s.s3Events / seconds, seconds, esCpuCores: esCpu.stop().cpuCores, gatewayCpuCores: gwCpu.stop().cpuCores,
            gatewayPeakRssMb: peakRssMb(gateway.pid), refused: sent.refused, requests: sent.requests, quietWaitMs: quietMs, warmupGatewayMicrosPerDoc,
          });
        } finally {
          await gateway.stop();
          await deleteIndex(es.url, warmIndex);
        }
      }
      console.error(`  3: ${path} ${runs.at(-1)?.docsPerSec.toFixed(0)} docs/s (node quiet after ${(quietMs / 1000).toFixed(1)} s)`);
    } finally {
      await deleteIndex(es.url, index);
    }
  }

  const of = (p: Path) => runs.filter((r) => r.path === p);
  const avg = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const gw = avg(of('gateway').map((r) => r.docsPerSec));
  const direct = avg(of('direct').map((r) => r.docsPerSec));
  ctx.measured.s3GatewayDocsPerSec = gw;
  ctx.measured.s3DirectDocsPerSec = direct;
  ctx.measured.s3GatewayMicrosPerDoc = avg(of('gateway').map((r) => ((r.gatewayCpuCores ?? Number.NaN) * r.seconds * 1e6) / s.s3Events));
  ctx.measured.s3NodeMicrosPerDoc = avg(of('direct').map((r) => (r.esCpuCores * r.seconds * 1e6) / s.s3Events));
  const rounds = `${s.s3Events.toLocaleString('en-US')} events × ${s.s3Rounds} round(s), mean`;
  const gatewayRow = (id: string, p: Path, label: string): Row => {
    const xs = of(p);
    const rate = avg(xs.map((r) => r.docsPerSec));
    const spooled = xs.reduce((a, r) => a + (r.spooledEvents ?? 0), 0);
    return {
      id, scenario: `gateway${label} → Elasticsearch: docs indexed/s`, eventsPerSec: rate,
      cpuCores: avg(xs.map((r) => r.gatewayCpuCores ?? Number.NaN)), peakRssMb: Math.max(...xs.map((r) => r.gatewayPeakRssMb ?? 0)),
      notes: `${rounds}; ${s.eventsPerRequest}-event requests, batches of ${s.bulkDocs}, ${IN_FLIGHT} in flight; ÷ direct = ${(rate / direct).toFixed(3)}; `
        + `gateway ${avg(xs.map((r) => ((r.gatewayCpuCores ?? Number.NaN) * r.seconds * 1e6) / s.s3Events)).toFixed(1)} µs CPU per doc (in its warm-up of ${s.s3GatewayWarmupEvents.toLocaleString('en-US')}: ${avg(xs.map((r) => r.warmupGatewayMicrosPerDoc ?? Number.NaN)).toFixed(1)}); ES ${avg(xs.map((r) => r.esCpuCores)).toFixed(2)} cores, ${esMicrosPerDoc(xs)} µs CPU per doc; `
        + `${xs.reduce((a, r) => a + r.refused, 0)} 429/503s retried${Number.isNaN(spooled) ? '' : `; ${spooled.toLocaleString('en-US')} events went through the spool`}`,
    };
  };
  // The node's CPU per document: equal on both paths means the node indexed alike, and any gap
  // in docs/s is the CPU the node did not get.
  const esMicrosPerDoc = (xs: PathRun[]) => avg(xs.map((r) => (r.esCpuCores * r.seconds * 1e6) / s.s3Events)).toFixed(1);
  const rows: Row[] = [
    gatewayRow('3a', 'gateway', ''),
    gatewayRow('3a′', 'gateway-no-spool', ' (spool off)'),
    {
      id: '3b', scenario: 'generator → Elasticsearch `_bulk` directly: docs indexed/s', eventsPerSec: direct,
      notes: `${rounds}; ${s.bulkDocs}-doc bulks, ${IN_FLIGHT} in flight; ES ${avg(of('direct').map((r) => r.esCpuCores)).toFixed(2)} cores, ${esMicrosPerDoc(of('direct'))} µs CPU per doc; gateway ÷ direct = ${(gw / direct).toFixed(3)}`,
    },
  ];
  ctx.results.add('s3-elasticsearch-gateway-vs-direct', rows, { runs, ratio: gw / direct, warmupEsMicrosPerDoc: warmup });
}
