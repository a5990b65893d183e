// Scenario 5: overload. Elasticsearch is paused (SIGSTOP) while clients post at full speed; then
// it is resumed (SIGCONT). Peak RSS of the gateway (VmHWM), the share of 429/503, how long until
// the gateway accepts again and until it has flushed everything, and whether Elasticsearch holds
// every event the gateway acknowledged (counted by the ids the generator gave them).
import { NDJSON, STREAM, type Context } from '../lib/context.ts';
import { benchStream, BENCH_PROPERTIES, makeEvents } from '../lib/events.ts';
import { countIds, createIndex, deleteIndex, es as esCall, refreshAndCount } from '../lib/es.ts';
import { runAutocannon } from '../lib/load.ts';
import { cpuWindow, gatewayMetric, peakRssMb, rssMb, sleep, startGateway, waitGatewayIdle } from '../lib/proc.ts';

const SLOT = '@@@@@@@@';

export async function overload(ctx: Context): Promise<void> {
  const { settings: s, es } = ctx;
  if (es === undefined) throw new Error('no Elasticsearch');
  const index = `bench-${ctx.runTag}-s5`;
  const deadLetterIndex = `bench-${ctx.runTag}-s5-dead-letters`;
  await createIndex(es.url, index, { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { dynamic: 'strict', properties: BENCH_PROPERTIES } });
  const gateway = await startGateway({
    esUrl: es.url,
    env: { GATEWAY_BATCH_MAX_DOCS: String(s.bulkDocs), GATEWAY_DEAD_LETTER_INDEX: deadLetterIndex, GATEWAY_SPOOL_MAX_BYTES: String(s.overloadSpoolMaxBytes) },
    streams: { streams: { [STREAM]: benchStream(index) } },
    tmpDir: ctx.tmpDir,
    waitReady: true,
    ...(ctx.gatewayRoot === undefined ? {} : { root: ctx.gatewayRoot }),
  });
  let paused = false;
  try {
    await sleep(1000);
    const idleRssMb = rssMb(gateway.pid);
    ctx.measured.s5IdleRssMb = idleRssMb;
    const url = `${gateway.url}/v1/events/${STREAM}`;

    // Every request carries new ids: "s5-<request>-<n>"; the request number goes in the slot.
    const template = makeEvents(5, s.eventsPerRequest, 0, { idPrefix: `s5-${SLOT}` }).join('\n') + '\n';
    const idsOf = (req: string) => Array.from({ length: s.eventsPerRequest }, (_, n) => `s5-${req}-${n}`);
    let nextRequest = 0;
    const acked: string[] = [];
    const rss: number[] = [];

    es.kill('SIGSTOP');
    paused = true;
    const pausedAt = performance.now();
    const sampler = setInterval(() => { rss.push(rssMb(gateway.pid)); }, 250);
    const cpu = cpuWindow(gateway.pid);
    const load = await runAutocannon({
      url,
      connections: s.connections,
      duration: s.overloadSeconds,
      timeout: 30,
      requests: [{
        method: 'POST',
        headers: { 'content-type': NDJSON },
        setupRequest: (req, context) => {
          const n = String(nextRequest++).padStart(8, '0');
          context.request = n;
          return { ...req, body: template.replaceAll(SLOT, n) };
        },
        onResponse: (status, _body, context) => {
          if (status === 202) acked.push(context.request as string);
        },
      }],
    });
    const used = cpu.stop();
    clearInterval(sampler);
    const crashedDuringPause = gateway.exited;

    es.kill('SIGCONT');
    paused = false;
    const resumedAt = performance.now();
    // Probe with small requests (new ids) until one is accepted again.
    let acceptingAfterMs = Number.NaN;
    const probeAcked: string[] = [];
    for (let k = 0; Number.isNaN(acceptingAfterMs) && performance.now() - resumedAt < 300_000; k++) {
      const ids = Array.from({ length: 10 }, (_, n) => `s5-probe-${k}-${n}`);
      const body = makeEvents(11 + k, 10, 0).map((e, n) => e.replace('{', `{"event.id":"${ids[n]}",`)).join('\n');
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': NDJSON }, body });
      await res.arrayBuffer();
      if (res.status === 202) {
        acceptingAfterMs = performance.now() - resumedAt;
        probeAcked.push(...ids);
      } else {
        await sleep(100);
      }
    }
    await waitGatewayIdle(gateway.url, 600_000);
    const drainMs = performance.now() - resumedAt;
    const peak = peakRssMb(gateway.pid);
    const duplicates = await gatewayMetric(gateway.url, 'es_gateway_duplicates_total');
    const spooled = await gatewayMetric(gateway.url, 'es_gateway_spooled_events_total'); // NaN: no spool in this build

    const ackedIds = [...acked.flatMap(idsOf), ...probeAcked];
    await refreshAndCount(es.url, index);
    const found = await countIds(es.url, index, ackedIds);
    const total = await refreshAndCount(es.url, index);
    const deadLetters = (await esCall(es.url, 'GET', `/${deadLetterIndex}/_count?ignore_unavailable=true`)).json.count ?? 0;
    const alive = !gateway.exited;
    const exitCode = await gateway.stop();
    const lost = ackedIds.length - found;

    const all = Object.values(load.statusCounts).reduce((a, n) => a + n, 0) + load.errors;
    const share = (code: string) => (load.statusCounts[code] ?? 0) / all;
    ctx.measured.s5PeakRssMb = peak;
    ctx.measured.s5Crashed = crashedDuringPause || !alive || exitCode !== 0;
    ctx.measured.s5Lost = lost;
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    ctx.results.add('s5-overload', [{
      id: '5',
      scenario: `overload: Elasticsearch paused (SIGSTOP) ${s.overloadSeconds} s, clients at full speed (spool capped at ${s.overloadSpoolMaxBytes / 2 ** 20} MiB)`,
      ...load.latencyMs,
      cpuCores: used.cpuCores,
      peakRssMb: peak,
      notes: `${all.toLocaleString('en-US')} requests: 202 ${pct(share('202'))}, 429 ${pct(share('429'))}, 503 ${pct(share('503'))}, errors/timeouts ${load.errors}/${load.timeouts}; `
        + `accepting again ${(acceptingAfterMs / 1000).toFixed(2)} s and drained ${(drainMs / 1000).toFixed(1)} s after SIGCONT; `
        + `${Number.isNaN(spooled) ? '' : `spooled ${spooled.toLocaleString('en-US')} events; `}acknowledged ${ackedIds.length.toLocaleString('en-US')} events, ${found.toLocaleString('en-US')} in Elasticsearch (lost ${lost}); dead letters ${String(deadLetters)}; `
        + `${alive ? 'no crash' : 'CRASHED'}, exit ${exitCode}; idle RSS ${idleRssMb.toFixed(0)} MB`,
    }], {
      pausedSeconds: (resumedAt - pausedAt) / 1000, load, cpu: used, rssTimelineMb: rss, idleRssMb, peakRssMb: peak,
      acceptingAgainAfterMs: acceptingAfterMs, drainedAfterMs: drainMs,
      acknowledgedEvents: ackedIds.length, foundInElasticsearch: found, lost, indexTotal: total, duplicates, spooled, deadLetters,
      crashedDuringPause, alive, exitCode,
    });
  } finally {
    if (paused) es.kill('SIGCONT');
    await gateway.stop();
    await deleteIndex(es.url, index);
    await deleteIndex(es.url, deadLetterIndex);
  }
}
