// The cost of tracing (bench/README.md, "Tracing"): scenario 2's load (NDJSON to /v1/events,
// full speed, into the FAKE bulk upstream) against two gateways in one run, alternating: tracing
// off (no OTEL_* variables: the SDK is not loaded) and on with 1% sampling, exporting OTLP/HTTP
// to a sink in this process that answers 200 and counts the spans' bytes. Prints events/s, the
// gateway's CPU per event and the ratio (goal: on ÷ off ≥ 0.95).
//
//   node bench/tracing.ts [--quick]
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FULL, QUICK, STREAM } from './lib/context.ts';
import { benchStream, makeEvents, ndjsonBodies } from './lib/events.ts';
import { measureLeg, type AbRun } from './lib/ab-run.ts';
import { startGateway, startPortPrinter, type Child } from './lib/proc.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const s = args.quick ? QUICK : FULL;
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-gateway-bench-tracing-'));
const bodies = ndjsonBodies(makeEvents(42, 64 * s.eventsPerRequest), s.eventsPerRequest);

let exportedBytes = 0;
const sink = http.createServer((req, res) => {
  req.on('data', (c: Buffer) => { exportedBytes += c.length; });
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;

const fake = await startPortPrinter('bench/fake-bulk-upstream.ts', []);
const common = { GATEWAY_INSTALL_TEMPLATES: 'false', GATEWAY_BATCH_MAX_DOCS: String(s.bulkDocs) };
const off = await startGateway({ esUrl: fake.url, env: common, streams: { streams: { [STREAM]: benchStream(undefined) } }, tmpDir });
const on = await startGateway({
  esUrl: fake.url,
  env: { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
  streams: { streams: { [STREAM]: benchStream(undefined) } },
  tmpDir,
});

const run = (label: string, gateway: Child) => measureLeg(label, gateway, `${gateway.url}/v1/events/${STREAM}`, bodies, s);

try {
  console.log(`es-gateway: tracing off against on (1% sampled, OTLP/HTTP), ${s.mode} mode, ${s.eventsPerRequest} events per request, ${s.connections} connections\n`);
  console.log('| tracing | events/s | gateway µs CPU/event | p99 ms | statuses |\n|---|---|---|---|---|');
  const runs: AbRun[] = [];
  for (let round = 0; round < 2; round++) {
    runs.push(await run('off', off));
    runs.push(await run('on, 1%', on));
  }
  const mean = (l: string, k: 'eventsPerSec' | 'microsPerEvent') => runs.filter((r) => r.label === l).reduce((a, r) => a + r[k], 0) / 2;
  console.log(`\non ÷ off, mean of 2 alternating runs: events/s ${(mean('on, 1%', 'eventsPerSec') / mean('off', 'eventsPerSec')).toFixed(3)}; gateway CPU per event ${(mean('on, 1%', 'microsPerEvent') / mean('off', 'microsPerEvent')).toFixed(3)}× (goal: events/s ≥ 0.95); ${exportedBytes.toLocaleString('en-US')} bytes of spans exported`);
} finally {
  await on.stop();
  await off.stop();
  await fake.stop();
  sink.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
}
