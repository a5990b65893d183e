// The Elasticsearch-compatible bulk API against /v1/events (bench/README.md, "The
// Elasticsearch-compatible API"): the same events, as NDJSON to /v1/events/bench and as
// `create` action + source pairs to /bench-bulk/_bulk, into the FAKE bulk upstream (scenario 2's
// null upstream), alternating, one gateway for both. Both answer once the events are accepted
// (ack=accepted; GATEWAY_ES_API_ACK=accepted). Prints events/s, the gateway's CPU per event and
// the ratio (goal: /_bulk ≥ 0.9 of /v1/events).
//
//   node bench/es-bulk.ts [--quick] [--profile]   --profile: /_bulk only, the gateway under --cpu-prof, summarised
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FULL, QUICK, STREAM } from './lib/context.ts';
import { benchStream, makeEvents, ndjsonBodies } from './lib/events.ts';
import { measureLeg, type AbRun } from './lib/ab-run.ts';
import { REPO, startGateway, startPortPrinter } from './lib/proc.ts';
import { formatSummary, summarise } from './profile-summary.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false } } });
const profileDir = args.profile ? fs.mkdtempSync(path.join(os.tmpdir(), 'es-gateway-esbulk-prof-')) : undefined;
const s = args.quick ? QUICK : FULL;
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-gateway-bench-esbulk-'));
const events = ndjsonBodies(makeEvents(42, 64 * s.eventsPerRequest), s.eventsPerRequest);
// The same events as bulk pairs: a `create` without _id before each line (the gateway gives the id).
const bulks = events.map((body) => Buffer.from(body.toString('utf8').split('\n').filter((l) => l !== '').map((l) => `{"create":{}}\n${l}\n`).join('')));

const fake = await startPortPrinter('bench/fake-bulk-upstream.ts', []);
const gateway = await startGateway({
  esUrl: fake.url,
  env: { GATEWAY_INSTALL_TEMPLATES: 'false', GATEWAY_BATCH_MAX_DOCS: String(s.bulkDocs), GATEWAY_ES_API_ACK: 'accepted' },
  streams: { streams: { [STREAM]: benchStream(undefined) } },
  tmpDir,
  ...(profileDir === undefined ? {} : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] }),
});

const run = (label: string, url: string, bodies: Buffer[]) => measureLeg(label, gateway, url, bodies, s);

try {
  console.log(`es-gateway: /_bulk against /v1/events, ${s.mode} mode, ${s.eventsPerRequest} events per request, ${s.connections} connections\n`);
  console.log('| path | events/s | gateway µs CPU/event | p99 ms | statuses |\n|---|---|---|---|---|');
  const runs: AbRun[] = [];
  if (profileDir !== undefined) {
    await run('/_bulk', `${gateway.url}/bench-bulk/_bulk`, bulks);
    await gateway.stop();
    for (const f of fs.readdirSync(profileDir)) console.log(formatSummary(summarise(JSON.parse(fs.readFileSync(path.join(profileDir, f), 'utf8')) as Parameters<typeof summarise>[0], REPO, 25)));
    process.exit(0);
  }
  for (let round = 0; round < 2; round++) {
    runs.push(await run('/v1/events', `${gateway.url}/v1/events/${STREAM}`, events));
    runs.push(await run('/_bulk', `${gateway.url}/bench-bulk/_bulk`, bulks));
  }
  const mean = (p: string, k: 'eventsPerSec' | 'microsPerEvent') => runs.filter((r) => r.label === p).reduce((a, r) => a + r[k], 0) / 2;
  console.log(`\n/_bulk ÷ /v1/events, mean of 2 alternating runs: events/s ${(mean('/_bulk', 'eventsPerSec') / mean('/v1/events', 'eventsPerSec')).toFixed(3)}; gateway CPU per event ${(mean('/_bulk', 'microsPerEvent') / mean('/v1/events', 'microsPerEvent')).toFixed(3)}× (goal: events/s ≥ 0.9)`);
} finally {
  await gateway.stop();
  await fake.stop();
  fs.rmSync(tmpDir, { recursive: true, force: true });
}
