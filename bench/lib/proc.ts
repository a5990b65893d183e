// Child processes of the benchmark (ceiling servers, the fake upstream, gateways) and what the
// OS says about them: CPU time from /proc/<pid>/stat, RSS and peak RSS from /proc/<pid>/status.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildGateway } from '../../scripts/build.ts';

export const REPO = path.resolve(import.meta.dirname, '..', '..');
const CLK_TCK = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK)

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(0, '127.0.0.1', resolve); });
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime (14), stime (15)
}

function statusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : Number.NaN;
}

/** Resident set size now, in MB. */
export const rssMb = (pid: number) => statusKb(pid, 'VmRSS') / 1024;
/** Peak resident set size since the process started (VmHWM), in MB. */
export const peakRssMb = (pid: number) => statusKb(pid, 'VmHWM') / 1024;

export interface CpuWindow {
  /** CPU used since start() as a share of one core (1.0 = one core busy all the time). */
  stop(): { cpuCores: number; cpuSeconds: number; wallSeconds: number };
}

export function cpuWindow(pid: number): CpuWindow {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  return {
    stop() {
      const cpu = cpuSeconds(pid) - c0;
      const wall = (performance.now() - t0) / 1000;
      return { cpuCores: cpu / wall, cpuSeconds: cpu, wallSeconds: wall };
    },
  };
}

/**
 * Waits until `pid` uses less than `cores` over one `windowMs` window — its background work
 * (merges, deletes, GC after a load) is done — or `timeoutMs` passed. Resolves with the wait in ms.
 */
export async function waitQuiet(pid: number, { cores = 0.1, windowMs = 500, timeoutMs = 30_000 } = {}): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const w = cpuWindow(pid);
    await sleep(windowMs);
    if (w.stop().cpuCores < cores || performance.now() - t0 > timeoutMs) return performance.now() - t0;
  }
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  port: number;
  url: string;
  /** SIGTERM, wait for the exit (bounded, then SIGKILL); resolves with the exit code. */
  stop(): Promise<number | null>;
  readonly exited: boolean;
  /** The last lines it wrote to stderr (for failures). */
  stderrTail(): string;
}

const children = new Set<ChildProcess>();
process.on('exit', () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });

function track(proc: ChildProcess, port: number): Child {
  children.add(proc);
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-8000); });
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => { children.delete(proc); resolve(code); }));
  const child: Child = {
    proc,
    pid: proc.pid as number,
    port,
    url: `http://127.0.0.1:${port}`,
    get exited() { return proc.exitCode !== null || proc.signalCode !== null; },
    async stop() {
      if (!child.exited) proc.kill('SIGTERM');
      const timer = setTimeout(() => { if (!child.exited) proc.kill('SIGKILL'); }, 30_000);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
    stderrTail: () => stderr.trim().split('\n').slice(-20).join('\n'),
  };
  return child;
}

/** Starts a node script that prints {"port":N} on its first stdout line. */
export async function startPortPrinter(script: string, args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, [path.join(REPO, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve((JSON.parse(out.slice(0, nl)) as { port: number }).port);
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  proc.stdout.resume();
  return track(proc, port);
}

/** Polls `url` until it answers 200 (bounded). */
export async function waitHttpOk(url: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`process behind ${url} exited`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export interface GatewayOptions {
  esUrl: string;
  env?: Record<string, string>;
  /** The stream file (GATEWAY_CONFIG_FILE), written to a temporary file. */
  streams?: unknown;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Checkout to run (default: this one); for before/after comparisons. */
  root?: string;
  /** Wait for /readyz (templates installed, Elasticsearch reachable) rather than /healthz. */
  waitReady?: boolean;
  tmpDir: string;
}

interface Launch { entry: string; flags: readonly string[]; preload: readonly string[] }
const launches = new Map<string, Promise<Launch>>();

/**
 * How a checkout runs its gateway in production, from its own src/runtime-flags.ts: the V8 flags
 * and the entry point (checkouts from before GATEWAY_ENTRY ran src/main.ts). A dist/ entry is
 * built once per checkout and run, so a stale build is never measured.
 */
function gatewayLaunch(root: string): Promise<Launch> {
  let launch = launches.get(root);
  if (launch === undefined) {
    launch = (async () => {
      const mod = (await import(pathToFileURL(path.join(root, 'src', 'runtime-flags.ts')).href)) as { GATEWAY_NODE_FLAGS: readonly string[]; GATEWAY_ENTRY?: string; GATEWAY_PRELOAD?: string };
      const entry = mod.GATEWAY_ENTRY ?? 'src/main.ts';
      if (entry.startsWith('dist/')) buildGateway(root);
      // The telemetry preload (checkouts from before it had none): it starts tracing when OTEL_* asks.
      return { entry, flags: mod.GATEWAY_NODE_FLAGS, preload: mod.GATEWAY_PRELOAD === undefined ? [] : ['--import', path.join(root, mod.GATEWAY_PRELOAD)] };
    })();
    launches.set(root, launch);
  }
  return launch;
}

/** The gateway (`node <flags> dist/main.js`, as in production) as a child process on a free loopback port. */
export async function startGateway(opts: GatewayOptions): Promise<Child> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    // The benchmarks measure the pipeline: no keys (one SHA-256 per request), and a request rate
    // limit (still counted per address) no load generator here reaches.
    GATEWAY_AUTH: 'off',
    GATEWAY_RATE_LIMIT_MAX: '1000000',
    ES_URL: opts.esUrl,
    // A spool folder of its own (the default, .spool, is relative to the working directory).
    GATEWAY_SPOOL_DIR: path.join(opts.tmpDir, `spool-${port}`),
    // GATEWAY_*, OTEL_*, ES_COMPRESSION and ES_CONNECTION_CLASS settings of the harness's own environment
    // reach every gateway (for experiments, e.g. GATEWAY_WORKERS=0 or ES_CONNECTION_CLASS=undici);
    // the scenario's own win.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('GATEWAY_') || k.startsWith('OTEL_') || k === 'ES_COMPRESSION' || k === 'ES_CONNECTION_CLASS')),
    ...opts.env,
  };
  if (opts.streams !== undefined) {
    const file = path.join(opts.tmpDir, `streams-${port}.json`);
    fs.writeFileSync(file, JSON.stringify(opts.streams));
    env.GATEWAY_CONFIG_FILE = file;
  }
  const root = opts.root ?? REPO;
  // As the checkout runs in production: its entry point with its V8 flags (src/runtime-flags.ts).
  const { entry, flags, preload } = await gatewayLaunch(root);
  // BENCH_GATEWAY_NODE_ARGS: extra node flags for every gateway (e.g. --trace-gc, with BENCH_GATEWAY_LOG).
  const extraArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const proc = spawn(process.execPath, [...flags, ...preload, ...extraArgs, ...(opts.nodeArgs ?? []), path.join(root, entry)], { cwd: root, env, stdio: ['ignore', process.env.BENCH_GATEWAY_LOG ? fs.openSync(process.env.BENCH_GATEWAY_LOG, 'a') : 'ignore', 'pipe'] });
  const child = track(proc, port);
  try {
    await waitHttpOk(`${child.url}/${opts.waitReady ? 'readyz' : 'healthz'}`, 60_000, () => !child.exited);
  } catch (err) {
    await child.stop();
    throw new Error(`gateway did not start: ${(err as Error).message}\n${child.stderrTail()}`, { cause: err });
  }
  return child;
}

/** A value of a Prometheus series, e.g. `name` or `name{label="v"}`, from the gateway's /metrics. */
export async function gatewayMetric(url: string, series: string): Promise<number> {
  return metricIn(await (await fetch(`${url}/metrics`)).text(), series);
}

/**
 * One route's requests with one status in the gateway's request-duration histogram: how many so
 * far, and how many within `le` seconds (a bucket bound, e.g. '0.005'). NaN for a checkout
 * without the histogram.
 */
export async function requestDurations(url: string, route: string, status: number, le: string): Promise<{ count: number; within: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const labels = `route="${route}",status="${status}"`;
  // A series appears with its first observation: none yet is 0 where the histogram exists.
  const value = (series: string) => metricIn(text, series) || (text.includes('# TYPE es_gateway_http_request_duration_seconds histogram') ? 0 : Number.NaN);
  return {
    count: value(`es_gateway_http_request_duration_seconds_count{${labels}}`),
    within: value(`es_gateway_http_request_duration_seconds_bucket{le="${le}",${labels}}`),
  };
}

function metricIn(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

/** CPU time of every process on the machine (from /proc/stat), in seconds. */
function machineBusySeconds(): number {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
  const busy = cpu.slice(0, 8).reduce((a, x, i) => (i === 3 || i === 4 ? a : a + x), 0);
  return busy / CLK_TCK;
}

/** How busy the whole machine was over a window, in cores (noise from other processes shows here). */
export function machineWindow(): { stop(): number } {
  const c0 = machineBusySeconds();
  const t0 = performance.now();
  return { stop: () => (machineBusySeconds() - c0) / ((performance.now() - t0) / 1000) };
}

/** Waits until the gateway holds no events, in memory or spooled (everything reached Elasticsearch or the fake). */
export async function waitGatewayIdle(url: string, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    // One scrape per look, every 50 ms: rendering /metrics costs the gateway CPU, which in
    // scenario 3 the node would otherwise have.
    const text = await (await fetch(`${url}/metrics`)).text();
    const queued = metricIn(text, 'es_gateway_queue_events');
    const spooled = metricIn(text, 'es_gateway_spool_pending_events'); // NaN: a gateway without a spool
    if (queued === 0 && !(spooled > 0)) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`gateway still holds events after ${timeoutMs} ms`);
    await sleep(50);
  }
}
