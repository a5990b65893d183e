// scripts/elasticsearch-node.ts — start, stop and restart one throwaway single-node
// Elasticsearch on a distribution and JDK from elasticsearch-distribution.ts. Node >= 24
// runs it directly (type stripping); node: built-ins only.
//
// Facts about the machines this runs on:
// - We run as root and Elasticsearch refuses to, so nodes run as the system user
//   `esgw` through `runuser`. The process tree is then
//     runuser (root) -> java (CLI launcher, esgw) -> java (the server, esgw).
//   runuser forwards SIGTERM to the launcher but SIGKILLs it 2 s later, so stop()
//   and kill() signal the server java directly; the launcher and runuser exit
//   when it does.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AS_ROOT, ensureDistribution, ES_VERSION, findJavaHome, run } from './elasticsearch-distribution.ts';

const ES_USER = 'esgw';

export interface StartOptions {
  port?: number;
  dataDir?: string;
  settings?: Record<string, string>;
  heapMb?: number;
  /** More JVM options (ES_JAVA_OPTS), e.g. for a quicker start of a node that serves little load. */
  jvmOptions?: string[];
  name?: string;
  startTimeoutMs?: number;
  version?: string;
  /** Leave the node running when this process exits (the CLI's `start`). */
  keepRunning?: boolean;
  /** Join a cluster instead of running single-node (elasticsearch-cluster.ts). */
  cluster?: { name: string; seedHosts: string[]; initialMasterNodes: string[] };
  transportPort?: number;
  /** Runs after the config folder is made, before the node starts (certificates, file-realm users). */
  prepare?: (ctx: PrepareContext) => Promise<void>;
  /** The node's HTTP scheme and its readiness probe (default: plain HTTP, cluster health yellow). */
  scheme?: 'http' | 'https';
  probe?: (url: string) => Promise<boolean>;
}

export interface PrepareContext {
  home: string;
  conf: string;
  /** The environment the node and its CLI tools run with (ES_JAVA_HOME, ES_PATH_CONF). */
  env: NodeJS.ProcessEnv;
}

export interface ElasticsearchNode {
  url: string;
  port: number;
  /** pid of the Elasticsearch server JVM (not of runuser or the CLI launcher). */
  pid: number;
  dataDir: string;
  logFile: string;
  /** SIGTERM the server, wait (bounded), then SIGKILL. */
  stop(): Promise<void>;
  /** Signal the server JVM itself, e.g. SIGSTOP/SIGCONT/SIGKILL to fake hangs and crashes. */
  kill(signal: NodeJS.Signals): void;
  /** Start again on the same data path and ports (stops the node first if it still runs). */
  restart(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Free TCP ports on 127.0.0.1 (all held open until every one is picked, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

async function ensureUser(): Promise<void> {
  try {
    await run('id', [ES_USER]);
  } catch {
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ES_USER])
      .catch(async (err: unknown) => { await run('id', [ES_USER]).catch(() => { throw err; }); });
  }
}

/** Processes below `root` (from /proc), as [pid, parent pid, command name]. */
function descendants(root: number): [number, number, string][] {
  const all: [number, number, string][] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8'); // "pid (comm) state ppid ..."
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      all.push([Number(entry), ppid, comm]);
    } catch {
      // the process went away while we looked
    }
  }
  const out: [number, number, string][] = [];
  const parents = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (parents.has(p[1]) && !parents.has(p[0])) { parents.add(p[0]); out.push(p); grew = true; }
    }
  }
  return out;
}

/** The server JVM: the java below `root` that has no java child (the launcher has one). */
function serverPid(root: number): number | undefined {
  const procs = descendants(root);
  const javas = procs.filter((p) => p[2] === 'java');
  return javas.find((j) => !javas.some((c) => c[1] === j[0]))?.[0];
}

function isGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z'); // a zombie has exited
  } catch {
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function tail(file: string, lines = 60): Promise<string> {
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The default readiness probe: cluster health at least yellow, over plain HTTP. */
async function yellow(url: string): Promise<boolean> {
  const res = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.ok;
}

/** HTTP and transport ports: the given ones, free ones otherwise. */
async function portsFor(opts: StartOptions): Promise<[number, number]> {
  const free = await freePorts(2);
  return [opts.port ?? free[0] as number, opts.transportPort ?? free[1] as number];
}

const liveNodes = new Set<() => void>();
let exitHookInstalled = false;

export async function startElasticsearch(opts: StartOptions = {}): Promise<ElasticsearchNode> {
  const version = opts.version ?? ES_VERSION;
  const [home, javaHome] = await Promise.all([ensureDistribution(version), findJavaHome(version)]);
  const dataDir = path.resolve(opts.dataDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'es-gateway-es-'))));
  const conf = path.join(dataDir, 'config');
  const logs = path.join(dataDir, 'logs');
  const logFile = path.join(logs, 'stdout.log');
  const tmp = path.join(dataDir, 'tmp');
  for (const dir of [path.join(dataDir, 'data'), logs, tmp]) await fsp.mkdir(dir, { recursive: true });
  if (!fs.existsSync(conf)) await fsp.cp(path.join(home, 'config'), conf, { recursive: true });
  await fsp.appendFile(logFile, '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ES_JAVA_HOME: javaHome,
    ES_PATH_CONF: conf,
    ES_TMPDIR: tmp,
    ES_JAVA_OPTS: [`-Xms${opts.heapMb ?? 512}m`, `-Xmx${opts.heapMb ?? 512}m`, ...(opts.jvmOptions ?? [])].join(' '),
  };
  delete env.JAVA_HOME; // only produces a warning
  await opts.prepare?.({ home, conf, env });
  if (AS_ROOT) {
    await ensureUser();
    await run('chown', ['-R', `${ES_USER}:${ES_USER}`, dataDir]);
    await run('runuser', ['-u', ES_USER, '--', 'test', '-x', path.join(home, 'bin', 'elasticsearch')]).catch(() => {
      throw new Error(`user ${ES_USER} cannot run ${home}/bin/elasticsearch: every parent folder must be world-readable`);
    });
  }

  const [port, transportPort] = await portsFor(opts);
  const discovery: Record<string, string> = opts.cluster === undefined ? { 'discovery.type': 'single-node' } : {
    'cluster.name': opts.cluster.name,
    'discovery.seed_hosts': opts.cluster.seedHosts.join(','),
    'cluster.initial_master_nodes': opts.cluster.initialMasterNodes.join(','),
  };
  const settings: Record<string, string> = {
    ...discovery,
    'network.host': '127.0.0.1',
    'http.port': String(port),
    'transport.port': String(transportPort),
    'xpack.security.enabled': 'false',
    'xpack.ml.enabled': 'false', // accepted by 8.19.21 although the zip has no ML module
    'cluster.routing.allocation.disk.threshold_enabled': 'false',
    'path.data': path.join(dataDir, 'data'),
    'path.logs': logs,
    'node.name': opts.name ?? 'es-gateway-test',
    ...opts.settings,
  };
  const esArgs = [path.join(home, 'bin', 'elasticsearch'), ...Object.entries(settings).map(([k, v]) => `-E${k}=${v}`)];
  const url = `${opts.scheme ?? 'http'}://127.0.0.1:${port}`;
  const probe = opts.probe ?? yellow;
  const timeoutMs = opts.startTimeoutMs ?? 120_000;

  let child: ChildProcess | undefined;
  const exited = () => !child || child.exitCode !== null || child.signalCode !== null;
  const killTree = () => {
    if (exited() || !child?.pid) return;
    for (const [pid] of descendants(child.pid).reverse()) signal(pid, 'SIGKILL');
    signal(child.pid, 'SIGKILL');
  };

  const node: ElasticsearchNode = {
    url, port, pid: 0, dataDir, logFile,
    async stop() {
      if (exited()) return;
      signal(node.pid, 'SIGTERM');
      signal(node.pid, 'SIGCONT'); // a SIGSTOPped JVM only handles SIGTERM once continued
      if (!(await waitFor(exited, 30_000))) {
        killTree();
        await waitFor(exited, 10_000);
      }
    },
    kill(sig) {
      if (exited()) throw new Error(`Elasticsearch (pid ${node.pid}) is not running`);
      process.kill(node.pid, sig);
    },
    async restart() {
      await node.stop();
      await launch();
    },
  };

  async function launch(): Promise<void> {
    const out = fs.openSync(logFile, 'a');
    const [cmd, args] = AS_ROOT ? ['runuser', ['-u', ES_USER, '--', ...esArgs]] : [esArgs[0]!, esArgs.slice(1)];
    await fsp.appendFile(logFile, `\n--- ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`);
    const proc = spawn(cmd, args, { env, cwd: dataDir, detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    child = proc;
    let spawnError: Error | undefined;
    proc.on('error', (err) => { spawnError = err; });
    proc.unref();

    const deadline = Date.now() + timeoutMs;
    let ready = false;
    while (!ready && !spawnError && !exited() && Date.now() < deadline) {
      ready = await probe(url).catch(() => false); // not listening yet
      if (!ready) await sleep(250);
    }
    const pid = ready && proc.pid ? serverPid(proc.pid) : undefined;
    if (!ready || pid === undefined) {
      const why = spawnError?.message ?? (exited() ? `exited with ${proc.exitCode ?? proc.signalCode}` : `not ready within ${timeoutMs} ms`);
      killTree();
      await waitFor(exited, 10_000);
      throw new Error(`Elasticsearch ${version} on port ${port} ${why}; last lines of ${logFile}:\n${await tail(logFile)}`);
    }
    node.pid = pid;
  }

  await launch();
  if (!opts.keepRunning) {
    // Safety net: never leave a node behind when the test process exits without stop().
    liveNodes.add(() => { if (!exited()) { signal(node.pid, 'SIGTERM'); signal(node.pid, 'SIGCONT'); } });
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => { for (const stop of liveNodes) stop(); });
    }
  }
  return node;
}

/** Stop a node started by the CLI, given its data dir. */
export async function stopElasticsearch(dataDir: string, timeoutMs = 30_000): Promise<boolean> {
  const pidFile = path.join(path.resolve(dataDir), 'es.pid');
  const pid = Number((await fsp.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!pid) return false;
  // Only signal the pid if it still is the server of this data dir (pids get reused).
  const environ = await fsp.readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  if (!environ.split('\0').includes(`ES_PATH_CONF=${path.join(path.resolve(dataDir), 'config')}`)) {
    await fsp.rm(pidFile, { force: true });
    return false;
  }
  signal(pid, 'SIGTERM');
  signal(pid, 'SIGCONT');
  if (!(await waitFor(() => isGone(pid), timeoutMs))) {
    signal(pid, 'SIGKILL');
    await waitFor(() => isGone(pid), 10_000);
  }
  await fsp.rm(pidFile, { force: true });
  return true;
}
