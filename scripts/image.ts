// `npm run image`: builds the Dockerfile with buildah and runs the gateway from the image against a
// real Elasticsearch node — no Docker engine and no image registry here (README "Deploy").
//
//   npm run image                 # ES_URL=… to use a running node instead of starting one
//
// 1. the local base image (scripts/image-base.ts; made once, then reused from buildah's storage);
// 2. `buildah bud --isolation chroot --storage-driver vfs --pull=never --format docker` (the OCI
//    format would drop HEALTHCHECK);
// 3. the image's own entrypoint and command, run with `buildah run --isolation chroot` (host
//    network, the image's USER): the V8 flags of src/runtime-flags.ts in the command, /healthz, /openapi.json,
//    the image's HEALTHCHECK command, one event ingested with ack=indexed and counted in
//    Elasticsearch, then SIGTERM: exit code 0 and the drain's log line;
// 4. removes the test's container and image (vfs stores every layer whole, ~300 MB per image),
//    keeps the base image.
// Ports: IMAGE_ES_PORT (9470) for the node it starts, IMAGE_GATEWAY_PORT (9471) for the gateway.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashApiKey, newApiKey } from '../src/auth/keys-file.ts';
import { GATEWAY_ENTRY, GATEWAY_NODE_FLAGS, GATEWAY_PRELOAD } from '../src/runtime-flags.ts';
import { startElasticsearch, type ElasticsearchNode } from './elasticsearch.ts';
import { BUILDAH_GLOBAL, buildah, ensureBaseImage, ensureDebianTools } from './image-base.ts';

const repo = path.resolve(import.meta.dirname, '..');
const DRAIN_LOG_LINE = 'shutting down: intake stopped, flushing queued events';
const log = (line: string) => process.stdout.write(`image: ${line}\n`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

interface ImageConfig { Entrypoint?: string[] | null; Cmd?: string[] | null; User?: string; Healthcheck?: { Test?: string[] } }

function imageConfig(container: string): ImageConfig {
  const inspected = JSON.parse(buildah(['inspect', '--type', 'container', container])) as { Docker?: { config?: ImageConfig } };
  const config = inspected.Docker?.config;
  if (config === undefined) throw new Error('the image has no Docker config: was it built with --format docker?');
  return config;
}

/** The command line the image runs must carry the production V8 flags and entry. */
function checkCommand(config: ImageConfig): string[] {
  const command = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  const missing = [...GATEWAY_NODE_FLAGS, `./${GATEWAY_PRELOAD}`, GATEWAY_ENTRY].filter((part) => !command.includes(part));
  if (missing.length > 0) throw new Error(`the image's command (${command.join(' ')}) lacks ${missing.join(' ')} (src/runtime-flags.ts): update the Dockerfile's CMD`);
  if (config.User === undefined || config.User === '' || config.User.startsWith('0') || config.User.startsWith('root')) throw new Error(`the image runs as ${config.User ?? 'root'}, not as a non-root user`);
  if (config.Healthcheck?.Test === undefined) throw new Error('the image has no HEALTHCHECK');
  return command;
}

/** Processes under `root`, from /proc (parent pid is the 4th field of /proc/<pid>/stat). */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone meanwhile */ }
  }
  const found: number[] = [];
  const walk = (pid: number) => { for (const [child, parent] of parentOf) if (parent === pid) { found.push(child); walk(child); } };
  walk(root);
  return found;
}

function commandOf(pid: number): string[] {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== ''); } catch { return []; }
}

async function waitFor(what: string, boundMs: number, probe: () => Promise<boolean>, output: () => string): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} not within ${boundMs / 1000} s; the gateway's output:\n${output().slice(-4000)}`);
}

async function exitOf(child: ReturnType<typeof spawn>, boundMs: number): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? String(child.signalCode);
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not exit within ${boundMs / 1000} s of SIGTERM`)), boundMs);
    child.once('exit', (code, signal) => { clearTimeout(timer); resolve(code ?? String(signal)); });
  });
}

async function checkRunningImage(container: string, esUrl: string, work: string): Promise<void> {
  const config = imageConfig(container);
  const command = checkCommand(config);
  const port = Number(process.env.IMAGE_GATEWAY_PORT ?? 9471);
  const gateway = `http://127.0.0.1:${port}`;

  // One key that may ingest the test's stream: the keys file as `es-gateway keys create` writes it.
  const key = newApiKey();
  const stream = `image-check-${Date.now()}`;
  const keysDir = path.join(work, 'keys');
  fs.mkdirSync(keysDir, { mode: 0o755 });
  fs.writeFileSync(path.join(keysDir, 'keys.json'), JSON.stringify({ keys: [{ name: 'image-check', tenant: 'image', hash: hashApiKey(key), ops: ['ingest'], streams: [stream], indices: [] }] }), { mode: 0o644 });

  // A gateway left over on the port would answer for the image (and with other keys).
  if (await fetch(`${gateway}/healthz`).then(() => true, () => false)) throw new Error(`something already answers on ${gateway}: stop it or set IMAGE_GATEWAY_PORT`);
  let output = '';
  const child = spawn('buildah', [...BUILDAH_GLOBAL, 'run', '--isolation', 'chroot',
    '--env', `ES_URL=${esUrl}`, '--env', `PORT=${port}`, '--env', 'GATEWAY_KEYS_FILE=/etc/es-gateway/keys.json',
    '--volume', `${keysDir}:/etc/es-gateway:ro`, container, '--', ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  try {
    const started = performance.now();
    await waitFor('/healthz', 90_000, async () => child.exitCode === null && (await fetch(`${gateway}/healthz`)).ok, () => output);
    log(`the gateway from the image answers /healthz (${seconds(started)} after buildah run)`);
    const served = await fetch(`${gateway}/openapi.json`);
    if (!served.ok || !('paths' in ((await served.json()) as object))) throw new Error(`the image does not serve its OpenAPI document (/openapi.json answered ${served.status})`);
    log('it serves the OpenAPI document at /openapi.json');

    // The image's HEALTHCHECK command, run inside the same container beside the gateway.
    const health = config.Healthcheck!.Test!;
    const healthCommand = health[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', health.slice(1).join(' ')] : health.slice(1);
    const hc = spawnSync('buildah', [...BUILDAH_GLOBAL, 'run', '--isolation', 'chroot', '--env', `PORT=${port}`, container, '--', ...healthCommand], { encoding: 'utf8' });
    if (hc.status !== 0) throw new Error(`the image's HEALTHCHECK command failed (exit ${hc.status}): ${hc.stderr}`);
    log('the image\'s HEALTHCHECK command exits 0');

    const id = randomUUID();
    const ingest = await fetch(`${gateway}/v1/events/${stream}?ack=indexed`, {
      method: 'POST', headers: { authorization: `ApiKey ${key}`, 'content-type': 'application/x-ndjson' },
      body: `${JSON.stringify({ message: 'ingested through the container image', event: { id } })}\n`,
    });
    const answer = await ingest.text();
    if (ingest.status !== 200) throw new Error(`ingest answered ${ingest.status}: ${answer}`);
    const indices = `events-${stream}-*`;
    await fetch(`${esUrl}/${indices}/_refresh`, { method: 'POST' });
    const count = await fetch(`${esUrl}/${indices}/_count`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: { ids: { values: [id] } } }) });
    const counted = (await count.json()) as { count?: number };
    if (counted.count !== 1) throw new Error(`Elasticsearch holds ${counted.count ?? JSON.stringify(counted)} documents with the ingested id in ${indices}, not 1`);
    log(`one event ingested (200, ack=indexed) and counted in Elasticsearch: ${indices} holds it`);

    // Events acknowledged at enqueue (202) right before SIGTERM: the drain must deliver every one.
    const late = 500;
    const accepted = await fetch(`${gateway}/v1/events/${stream}?ack=accepted`, {
      method: 'POST', headers: { authorization: `ApiKey ${key}`, 'content-type': 'application/x-ndjson' },
      body: Array.from({ length: late }, (_, i) => `${JSON.stringify({ message: `accepted before SIGTERM ${i}` })}\n`).join(''),
    });
    if (accepted.status !== 202) throw new Error(`ingest with ack=accepted answered ${accepted.status}: ${await accepted.text()}`);

    // SIGTERM to the container's init, as `docker stop` and the kubelet send it (buildah itself, when
    // signalled, kills its child instead of passing the signal on).
    const stopping = performance.now();
    const init = descendants(child.pid!).find((pid) => commandOf(pid)[0] === command[0]);
    if (init === undefined) throw new Error(`no ${command[0]} process under buildah run (pid ${child.pid})`);
    process.kill(init, 'SIGTERM');
    const code = await exitOf(child, 60_000);
    if (code !== 0) throw new Error(`the gateway exited ${code} after SIGTERM, not 0:\n${output.slice(-4000)}`);
    if (!output.includes(DRAIN_LOG_LINE)) throw new Error(`no drain log line ("${DRAIN_LOG_LINE}") after SIGTERM:\n${output.slice(-4000)}`);
    await fetch(`${esUrl}/${indices}/_refresh`, { method: 'POST' });
    const total = (await (await fetch(`${esUrl}/${indices}/_count`)).json()) as { count?: number };
    if (total.count !== late + 1) throw new Error(`after the drain Elasticsearch holds ${total.count} events of the stream, not ${late + 1}`);
    log(`SIGTERM: the drain ran, the gateway exited 0 (${seconds(stopping)}), and all ${late} events accepted just before it are in Elasticsearch`);
  } finally {
    // On a failure: the container's processes first (killing buildah alone would orphan them).
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      for (const pid of descendants(child.pid).reverse()) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
      process.kill(child.pid, 'SIGKILL');
    }
  }
}

/**
 * This machine reaches the npm registry through a proxy whose CA only the host trusts
 * (NODE_EXTRA_CA_CERTS): the build stage's `npm ci` gets the same file, mounted for the build only.
 */
function extraCaArgs(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (file === undefined || file === '' || !fs.existsSync(file)) return [];
  const inBuild = '/etc/ssl/build-extra-ca.crt';
  return ['--volume', `${fs.realpathSync(file)}:${inBuild}:ro`, '--build-arg', `NODE_EXTRA_CA_CERTS=${inBuild}`];
}

async function main(): Promise<void> {
  const total = performance.now();
  ensureDebianTools({ buildah: 'buildah' });
  let step = performance.now();
  const base = ensureBaseImage(log);
  log(`base image ${base.tag}: ${base.made ? 'made' : 'cached'} (${seconds(step)})`);

  const tag = `localhost/es-gateway:image-check-${process.pid}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'es-gateway-image-'));
  fs.chmodSync(work, 0o755); // Elasticsearch runs as its own user and keeps its data in here
  let container: string | undefined;
  let node: ElasticsearchNode | undefined;
  try {
    step = performance.now();
    buildah(['bud', '--isolation', 'chroot', '--pull=never', '--format', 'docker', '--layers=false', '--quiet',
      '--build-arg', `BASE=${base.tag}`, ...extraCaArgs(), '-t', tag, '-f', path.join(repo, 'Dockerfile'), repo], { stdio: ['ignore', 'ignore', 'inherit'] });
    log(`image ${tag} built (${seconds(step)}; ${buildah(['images', '--format', '{{.Size}}', tag]).trim()})`);

    let esUrl = process.env.ES_URL;
    if (esUrl === undefined || esUrl === '') {
      step = performance.now();
      node = await startElasticsearch({ port: Number(process.env.IMAGE_ES_PORT ?? 9470), name: 'es-gateway-image', dataDir: path.join(work, 'es') });
      esUrl = node.url;
      log(`Elasticsearch started at ${esUrl} (${seconds(step)})`);
    }
    container = buildah(['from', '--pull=never', '--quiet', tag]).trim();
    step = performance.now();
    await checkRunningImage(container, esUrl, work);
    log(`run checks passed (${seconds(step)})`);
  } finally {
    step = performance.now();
    if (node !== undefined) await node.stop();
    if (container !== undefined) spawnSync('buildah', [...BUILDAH_GLOBAL, 'rm', container], { stdio: 'ignore' });
    spawnSync('buildah', [...BUILDAH_GLOBAL, 'rmi', tag], { stdio: 'ignore' });
    fs.rmSync(work, { recursive: true, force: true });
    log(`removed the test's container and image, kept the base image (${seconds(step)})`);
  }
  log(`done in ${seconds(total)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`image: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
