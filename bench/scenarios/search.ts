// Search through the gateway (bench/search.ts): a cached hit, a proxied miss against the same
// search sent straight to Elasticsearch, and scenario 2's ingest with searches beside it.
// bench/README.md, "Search".
import autocannon, { type Options } from 'autocannon';
import type { ElasticsearchNode } from '../../scripts/elasticsearch.ts';
import { NDJSON, STREAM, type Context } from '../lib/context.ts';
import { benchStream, EVENT_DAY_MS, makeEvents, ndjsonBodies } from '../lib/events.ts';
import { es as esCall } from '../lib/es.ts';
import { deliverAll, fullSpeed, paced, percentiles, type Percentiles } from '../lib/load.ts';
import { cpuWindow, gatewayMetric, machineWindow, peakRssMb, sleep, startGateway, waitGatewayIdle, type Child } from '../lib/proc.ts';
import { routeBuckets, serverLatency, type ServerLatency } from '../lib/server-latency.ts';
import { startNullUpstreamGateway } from './null-upstream.ts';

export interface SearchSettings {
  mode: 'quick' | 'full';
  /** Seconds of unrecorded load of the same kind before each measured window. */
  warmupSeconds: number;
  /** Seconds of each measured full-speed window (10 connections; ingest: 8 connections). */
  seconds: number;
  /** Seconds of each one-connection latency window. */
  latencySeconds: number;
  /** Rounds of (direct, gateway) misses, the order alternating; and of (alone, beside) ingest. */
  rounds: number;
  /** Keep-alive connections of the search generator, the same on both paths. */
  connections: number;
  /** Events indexed for the searches. */
  events: number;
  /** Searches per second beside the ingest (half cached hits, half misses). */
  besideRate: number;
  /** Fewest and most warm-up windows before the misses are measured (stopping once the node's CPU per search is stable). */
  minWarmups: number;
  maxWarmups: number;
}

export const SEARCH_QUICK: SearchSettings = { mode: 'quick', warmupSeconds: 2, seconds: 10, latencySeconds: 5, rounds: 2, connections: 10, events: 20_000, besideRate: 200, minWarmups: 3, maxWarmups: 6 };
export const SEARCH_FULL: SearchSettings = { mode: 'full', warmupSeconds: 5, seconds: 20, latencySeconds: 10, rounds: 3, connections: 10, events: 20_000, besideRate: 200, minWarmups: 6, maxWarmups: 10 };

// ---- The searches -------------------------------------------------------------------------------
// One family: `term` on `service` (8 values, ~2,500 of the 20,000 events each), 20 hits, newest
// first, over the events' day. Search i ends i ms before the day's end, so every search of a run
// is distinct (no cache, no coalescing) while Elasticsearch does the same work for each.

const SERVICES = ['checkout', 'catalog', 'auth', 'payments', 'search', 'shipping', 'cart', 'users'];
const SIZE = 20;
const FROM = new Date(EVENT_DAY_MS).toISOString();
const DAY_END_MS = EVENT_DAY_MS + 86_400_000 - 1;

/**
 * Where the gateway searches stream `bench` on the default GATEWAY_INDEX_PATTERN
 * (`events-{stream}-{yyyy.MM.dd}`): the glob, narrowed to the stream's own indices as resolved
 * from the cluster (src/search/search-target.ts, stream-indices.ts) — here the events' one day.
 */
export const TARGET = { index: `events-${STREAM}-*`, own: [`events-${STREAM}-${new Date(EVENT_DAY_MS).toISOString().slice(0, 10).replaceAll('-', '.')}`] };

/** GATEWAY_SEARCH_TIMEOUT_MS's default, as the gateway sends it. */
const TIMEOUT = '10000ms';
const JSON_TYPE = 'application/json';

const userQuery = (i: number) => ({ term: { service: SERVICES[i % SERVICES.length] as string } });
const toOf = (i: number) => new Date(DAY_END_MS - i).toISOString();

/** Search i as a client sends it to the gateway. */
export function gatewayBody(i: number): string {
  return JSON.stringify({ query: userQuery(i), size: SIZE, from: FROM, to: toOf(i) });
}

/** Search i as the gateway sends it to Elasticsearch (src/search/search-request.ts, search-service.ts). */
export function directBody(i: number): string {
  return JSON.stringify({
    query: { bool: { filter: [{ range: { '@timestamp': { gte: FROM, lte: toOf(i), format: 'strict_date_optional_time||epoch_millis' } } }, { terms: { _index: TARGET.own } }], must: [userQuery(i)] } },
    size: SIZE,
    sort: [{ '@timestamp': { order: 'desc' } }],
    timeout: TIMEOUT,
  });
}

/** The gateway's search request line: the target as the index, the two options it sets. */
export const DIRECT_PATH = `/${TARGET.index}/_search?ignore_unavailable=true&allow_no_indices=true`;

// ---- Measuring ----------------------------------------------------------------------------------

export interface SearchRun {
  label: string;
  connections: number;
  seconds: number;
  requestsPerSec: number;
  requests2xx: number;
  statusCounts: Record<string, number>;
  errors: number;
  latencyMs: Percentiles;
  /** CPU in cores over the window: the gateway (when on the path), Elasticsearch, this generator, the machine. */
  gatewayCores?: number;
  esCores?: number;
  generatorCores: number;
  machineCores: number;
  /** CPU per answered request, µs. */
  gatewayMicrosPerRequest?: number;
  esMicrosPerRequest?: number;
  /** The gateway's search cache counters over the window (es_gateway_search_cache_total). */
  cache?: Record<string, number>;
  /** The gateway's own request-duration histogram over the window (route /v1/search/:stream, 200). */
  server?: ServerLatency;
}

const SEARCH_ROUTE = '/v1/search/:stream';

const CACHE_RESULTS = ['hit', 'miss', 'coalesced', 'stale'] as const;

/** es_gateway_search_cache_total by result, and es_gateway_search_failures_total by reason (as `failed:<reason>`). */
async function cacheCounters(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const r of CACHE_RESULTS) {
    const series = `es_gateway_search_cache_total{result="${r}"}`;
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    out[r] = line === undefined ? 0 : Number(line.slice(series.length + 1));
  }
  for (const m of text.matchAll(/^es_gateway_search_failures_total\{reason="([^"]+)"\} (\S+)$/gm)) out[`failed:${m[1] as string}`] = Number(m[2]);
  return out;
}

const deltaOf = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(b).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));

interface Load {
  url: string;
  headers: Record<string, string>;
  /** A fixed body, or one per request (numbered from a counter shared by the connections). */
  body: string | ((i: number) => string);
}

const SETTLE_MS = 1000;

let counter = 1; // search 0 is the cached one; every other number is used once per run

/** autocannon for `seconds` with `connections`, keeping every 2xx response time (exact, sub-ms). */
async function hammer(load: Load, seconds: number, connections: number): Promise<{ seconds: number; requests2xx: number; statusCounts: Record<string, number>; errors: number; latencyMs: Percentiles }> {
  const { body } = load;
  const opts: Options = {
    url: load.url,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [typeof body === 'string'
      ? { method: 'POST', headers: load.headers, body }
      : { method: 'POST', headers: load.headers, setupRequest: (req) => ({ ...req, body: body(counter++) }) }],
  };
  const times: number[] = [];
  const instance = autocannon(opts);
  instance.on('response', (_c, status, _b, ms) => { if (status >= 200 && status < 300) times.push(ms); });
  const r = await instance;
  const statusCounts: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats)) statusCounts[code] = count;
  return { seconds: r.duration, requests2xx: r['2xx'], statusCounts, errors: r.errors, latencyMs: percentiles(times) };
}

/** One measured window (after a warm-up of the same load), with CPU and the gateway's own counters. */
async function measure(label: string, load: Load, opts: { seconds: number; warmupSeconds: number; connections: number; gateway?: Child; es?: ElasticsearchNode }): Promise<SearchRun> {
  if (opts.warmupSeconds > 0) {
    await hammer(load, opts.warmupSeconds, opts.connections);
    // autocannon drops its connections at the end with requests in flight; the gateway finishes
    // those searches (up to GATEWAY_SEARCH_MAX_IN_FLIGHT, 16, then 503 busy): let them end first.
    await sleep(SETTLE_MS);
  }
  const gw = opts.gateway;
  const cache0 = gw === undefined ? undefined : await cacheCounters(gw.url);
  const buckets0 = gw === undefined ? undefined : await routeBuckets(gw.url, SEARCH_ROUTE, 200);
  const gwCpu = gw === undefined ? undefined : cpuWindow(gw.pid);
  const esCpu = opts.es === undefined ? undefined : cpuWindow(opts.es.pid);
  const genCpu = cpuWindow(process.pid);
  const machine = machineWindow();
  const r = await hammer(load, opts.seconds, opts.connections);
  const gwUsed = gwCpu?.stop();
  const esUsed = esCpu?.stop();
  const genUsed = genCpu.stop();
  const machineCores = machine.stop();
  const run: SearchRun = {
    label, connections: opts.connections, seconds: r.seconds, requestsPerSec: r.requests2xx / r.seconds, requests2xx: r.requests2xx,
    statusCounts: r.statusCounts, errors: r.errors, latencyMs: r.latencyMs, generatorCores: genUsed.cpuCores, machineCores,
  };
  if (gwUsed !== undefined) {
    run.gatewayCores = gwUsed.cpuCores;
    run.gatewayMicrosPerRequest = (gwUsed.cpuSeconds * 1e6) / r.requests2xx;
  }
  if (esUsed !== undefined) {
    run.esCores = esUsed.cpuCores;
    run.esMicrosPerRequest = (esUsed.cpuSeconds * 1e6) / r.requests2xx;
  }
  if (gw !== undefined && cache0 !== undefined && buckets0 !== undefined) {
    run.cache = deltaOf(cache0, await cacheCounters(gw.url));
    const server = serverLatency(buckets0, await routeBuckets(gw.url, SEARCH_ROUTE, 200));
    if (server !== undefined) run.server = server;
  }
  return run;
}

// ---- Setup: one node, one gateway, the events --------------------------------------------------

/** The gateway in front of `es` with stream `bench` searchable; `settings.events` events indexed through it and refreshed. */
export async function startSearchGateway(ctx: Context, s: SearchSettings, es: ElasticsearchNode, nodeArgs: string[] = []): Promise<Child> {
  const stream = {
    ...benchStream(undefined),
    dynamic: 'strict',
    // Fresh for 10 minutes: the cached-hit window must not see the entry expire (default 5 s).
    search: { maxSize: 1000, cacheFresh: '10m' },
  };
  const gateway = await startGateway({ esUrl: es.url, streams: { streams: { [STREAM]: stream } }, tmpDir: ctx.tmpDir, waitReady: true, nodeArgs, ...(ctx.gatewayRoot === undefined ? {} : { root: ctx.gatewayRoot }) });
  try {
    const events = makeEvents(5, s.events);
    await deliverAll(`${gateway.url}/v1/events/${STREAM}?ack=indexed`, ndjsonBodies(events, 1000), {
      concurrency: 4, contentType: NDJSON,
      check: (b) => {
        const a = JSON.parse(b) as { accepted?: number; rejected?: number; itemErrors?: boolean };
        return a.accepted === 1000 && a.rejected === 0 && a.itemErrors === false ? undefined : `not all indexed: ${b.slice(0, 300)}`;
      },
    });
    const index = TARGET.own.join(',');
    await esCall(es.url, 'POST', `/${index}/_refresh`);
    const count = Number((await esCall(es.url, 'GET', `/${index}/_count`)).json.count ?? 0);
    if (count !== s.events) throw new Error(`${index} holds ${count} documents, ${s.events} were sent`);
    await checkSameAnswer(gateway.url, es.url);
  } catch (err) {
    await gateway.stop();
    throw err;
  }
  return gateway;
}

/** Search 1 both ways: the same hits, so both paths make Elasticsearch do the same work. */
async function checkSameAnswer(gatewayUrl: string, esUrl: string): Promise<void> {
  const g = await fetch(`${gatewayUrl}/v1/search/${STREAM}`, { method: 'POST', headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-cache' }, body: gatewayBody(1) });
  const ga = (await g.json()) as { total?: { value: number }; hits?: { _id: string }[] };
  const d = await fetch(`${esUrl}${DIRECT_PATH}`, { method: 'POST', headers: { 'content-type': JSON_TYPE }, body: directBody(1) });
  const da = (await d.json()) as { hits?: { total?: { value: number }; hits?: { _id: string }[] } };
  const ids = (xs: { _id: string }[] | undefined) => (xs ?? []).map((h) => h._id).join(',');
  if (g.status !== 200 || d.status !== 200 || ids(ga.hits) !== ids(da.hits?.hits) || ga.total?.value !== da.hits?.total?.value || (ga.hits ?? []).length !== SIZE) {
    throw new Error(`gateway and direct disagree on search 1: ${g.status} ${JSON.stringify(ga).slice(0, 300)} / ${d.status} ${JSON.stringify(da).slice(0, 300)}`);
  }
}

// ---- 1. Cached hit ------------------------------------------------------------------------------

export interface CachedHits { firstCache: string | null; full: SearchRun; oneConnection: SearchRun }

export async function cachedHits(s: SearchSettings, gateway: Child, es: ElasticsearchNode): Promise<CachedHits> {
  // The first answer is a miss and is cached; every later one must be a hit.
  const first = await fetch(`${gateway.url}/v1/search/${STREAM}`, { method: 'POST', headers: { 'content-type': JSON_TYPE }, body: gatewayBody(0) });
  await first.arrayBuffer();
  const firstCache = first.headers.get('x-cache');
  const load: Load = { url: `${gateway.url}/v1/search/${STREAM}`, headers: { 'content-type': JSON_TYPE }, body: gatewayBody(0) };
  const full = await measure('cached hit', load, { seconds: s.seconds, warmupSeconds: s.warmupSeconds, connections: s.connections, gateway, es });
  const oneConnection = await measure('cached hit, 1 connection', load, { seconds: s.latencySeconds, warmupSeconds: 1, connections: 1, gateway, es });
  for (const run of [full, oneConnection]) {
    const c = run.cache ?? {};
    if ((c.miss ?? 0) + (c.coalesced ?? 0) + (c.stale ?? 0) !== 0 || (c.hit ?? 0) < run.requests2xx) throw new Error(`${run.label}: not every answer was a cache hit: ${JSON.stringify(c)} for ${run.requests2xx} answers`);
  }
  return { firstCache, full, oneConnection };
}

// ---- 2. Proxied miss against direct -------------------------------------------------------------

export interface Misses { runs: SearchRun[]; latency: SearchRun[]; warmupEsMicrosPerSearch: number[] }

export async function missVsDirect(s: SearchSettings, gateway: Child, es: ElasticsearchNode): Promise<Misses> {
  const viaGateway: Load = { url: `${gateway.url}/v1/search/${STREAM}`, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-cache' }, body: gatewayBody };
  const direct: Load = { url: `${es.url}${DIRECT_PATH}`, headers: { 'content-type': JSON_TYPE }, body: directBody };
  const runs: SearchRun[] = [];
  const latency: SearchRun[] = [];
  const one = async (which: 'direct' | 'gateway', connections: number, seconds: number, into: SearchRun[]) => {
    const run = which === 'direct'
      ? await measure(`direct${connections === 1 ? ', 1 connection' : ''}`, direct, { seconds, warmupSeconds: s.warmupSeconds, connections, es })
      : await measure(`gateway miss${connections === 1 ? ', 1 connection' : ''}`, viaGateway, { seconds, warmupSeconds: s.warmupSeconds, connections, gateway, es });
    if (run.cache !== undefined && ((run.cache.hit ?? 0) + (run.cache.coalesced ?? 0) + (run.cache.stale ?? 0) !== 0 || (run.cache.miss ?? 0) < run.requests2xx)) {
      throw new Error(`${run.label}: not every answer was a miss: ${JSON.stringify(run.cache)} for ${run.requests2xx} answers`);
    }
    into.push(run);
    console.error(`  ${run.label}: ${run.requestsPerSec.toFixed(0)} req/s, p50 ${run.latencyMs.p50.toFixed(2)} ms, p99 ${run.latencyMs.p99.toFixed(2)} ms`);
  };
  // Both paths warmed up first, as scenario 3 warms the node: the node's CPU per search fell from
  // ~1,900 to ~720 µs over the first minutes of load (a direct run after 20 s of it measured 0.4
  // of the later ones), not steadily. Windows of direct load (the gateway's path kept warm between
  // them), at least minWarmups, until the node's CPU per search stops falling by more than 10%.
  const warmup: number[] = [];
  for (let k = 0; k < s.maxWarmups; k++) {
    const w = await measure('warm-up', direct, { seconds: 2 * s.warmupSeconds, warmupSeconds: 0, connections: s.connections, es });
    await hammer(viaGateway, s.warmupSeconds, s.connections);
    warmup.push(w.esMicrosPerRequest ?? Number.NaN);
    if (k + 1 >= s.minWarmups && (warmup[k] as number) > 0.9 * (warmup[k - 1] as number)) break;
  }
  console.error(`  warm-up, node CPU per search: ${warmup.map((x) => `${x.toFixed(0)} µs`).join(', ')}`);
  await sleep(SETTLE_MS);
  // Direct, gateway; then gateway, direct; …: drift in the machine's other load hits both.
  for (let r = 0; r < s.rounds; r++) {
    for (const which of (r % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct']) as ('direct' | 'gateway')[]) await one(which, s.connections, s.seconds, runs);
  }
  // One connection: the time the gateway adds to one search, without queueing behind others.
  for (const which of ['direct', 'gateway'] as const) await one(which, 1, s.latencySeconds, latency);
  return { runs, latency, warmupEsMicrosPerSearch: warmup };
}

// ---- 3. Ingest (scenario 2) with searches beside it ---------------------------------------------

export interface IngestRun {
  beside: boolean;
  eventsPerSec: number;
  seconds: number;
  ingestLatencyMs: Percentiles;
  gatewayCores: number;
  machineCores: number;
  /** The machine's CPU besides the gateway, the fake upstream and this generator: other sessions' load. */
  otherCores: number;
  statusCounts: Record<string, number>;
  searches?: { sent: number; statusCounts: Record<string, number>; errors: number; late: number; latencyMs: Percentiles; cache: Record<string, number> };
}

export interface IngestBeside { runs: IngestRun[]; peakRssMb: number }

/**
 * Scenario 2's gateway (fake bulk upstream, validation on) at full speed, alone and with
 * `besideRate` searches/s beside it (open loop, even schedule): every other one the same search
 * (a cached hit), the others distinct (misses, which the fake answers `{}` at once).
 */
export async function ingestBesideSearch(ctx: Context, s: SearchSettings): Promise<IngestBeside> {
  const g = await startNullUpstreamGateway(ctx);
  const runs: IngestRun[] = [];
  try {
    const load = { connections: ctx.settings.connections, contentType: NDJSON };
    const searchUrl = `${g.gateway.url}/v1/search/${STREAM}`;
    const searchBodies = (n: number) => Array.from({ length: n }, (_, k) => Buffer.from(k % 2 === 0 ? gatewayBody(0) : gatewayBody(counter++)));
    // Warm-up: ingest at full speed with searches beside it, so both paths are compiled.
    const warmSearches = paced(searchUrl, searchBodies(s.besideRate * s.warmupSeconds), { ratePerSecond: s.besideRate, seconds: s.warmupSeconds, maxConnections: 16, contentType: JSON_TYPE });
    await fullSpeed(g.ingestUrl, ctx.bodies, { ...load, seconds: s.warmupSeconds });
    await warmSearches;
    await waitGatewayIdle(g.gateway.url, 30_000);
    for (let r = 0; r < s.rounds; r++) {
      for (const beside of r % 2 === 0 ? [false, true] : [true, false]) {
        const cache0 = await cacheCounters(g.gateway.url);
        const cpu = cpuWindow(g.gateway.pid);
        const fakeCpu = cpuWindow(g.fake.pid);
        const genCpu = cpuWindow(process.pid);
        const machine = machineWindow();
        // The searches start half a second before the ingest window and end after it.
        const searchSeconds = s.seconds + 1;
        const searches = beside ? paced(searchUrl, searchBodies(Math.round(s.besideRate * searchSeconds)), { ratePerSecond: s.besideRate, seconds: searchSeconds, maxConnections: 16, contentType: JSON_TYPE }) : undefined;
        if (beside) await new Promise((resolve) => setTimeout(resolve, 500));
        const ingest = await fullSpeed(g.ingestUrl, ctx.bodies, { ...load, seconds: s.seconds });
        const used = cpu.stop();
        const machineCores = machine.stop();
        const otherCores = machineCores - used.cpuCores - fakeCpu.stop().cpuCores - genCpu.stop().cpuCores;
        const searched = await searches;
        const run: IngestRun = {
          beside, eventsPerSec: (ingest.requests2xx * ctx.settings.eventsPerRequest) / ingest.seconds, seconds: ingest.seconds, ingestLatencyMs: ingest.latencyMs,
          gatewayCores: used.cpuCores, machineCores, otherCores, statusCounts: ingest.statusCounts,
        };
        if (searched !== undefined) {
          run.searches = { sent: searched.sent, statusCounts: searched.statusCounts, errors: searched.errors, late: searched.late, latencyMs: searched.latencyMs, cache: deltaOf(cache0, await cacheCounters(g.gateway.url)) };
        }
        runs.push(run);
        console.error(`  ingest ${beside ? `with ${s.besideRate} searches/s beside` : 'alone'}: ${Math.round(run.eventsPerSec).toLocaleString('en-US')} events/s${run.searches === undefined ? '' : `; searches p50 ${run.searches.latencyMs.p50.toFixed(2)} ms, p99 ${run.searches.latencyMs.p99.toFixed(2)} ms`}`);
        await waitGatewayIdle(g.gateway.url, 30_000);
      }
    }
    const accepted = await gatewayMetric(g.gateway.url, `es_gateway_events_accepted_total{stream="${STREAM}"}`);
    const stats = await g.fakeStats();
    if (stats.docs !== accepted) throw new Error(`fake upstream received ${stats.docs} documents, the gateway accepted ${accepted}`);
    return { runs, peakRssMb: peakRssMb(g.gateway.pid) };
  } finally {
    await g.stop();
  }
}
