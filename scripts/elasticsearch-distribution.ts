// scripts/elasticsearch-distribution.ts — get an Elasticsearch distribution and pick a JDK
// for it: what a node needs before it can start (elasticsearch-node.ts runs it). Node >= 24
// runs it directly (type stripping); node: built-ins only.
//
// Facts about the machines this runs on:
// - The distribution is the JDK-less `integ-test-zip` from Maven Central. It has only
//   the x-pack-core, x-pack-security, transport-netty4 and apm modules (no painless,
//   reindex, ingest-common, data-streams, ...), and `GET /` answers 405.
// - Nodes run as the system user `esgw` when we are root (elasticsearch-node.ts), so the
//   unpacked distribution must be reachable by other users (CACHE_ROOT).
// - JDKs live under /usr/lib/jvm (OpenJDK 17 and Temurin 25 here). Both start 8.19.21
//   and pass the smoke tests; 8.x prefers 21, then 17 (the LTS releases that 8.x has
//   supported all along), so 17 is used here. Override with $ES_JAVA_HOME.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

export const ES_VERSION = '8.19.21';
/** The newest 9.x Maven Central serves here (9.2.1 did not resolve); CI runs the integration tests on it too. */
export const ES9_VERSION = '9.2.0';

/** The version a test run asks for: ES_TEST_VERSION (`9` for ES9_VERSION, or a version), else ES_VERSION. */
export function testVersion(asked = process.env.ES_TEST_VERSION): string {
  if (asked === undefined || asked === '') return ES_VERSION;
  return asked === '9' ? ES9_VERSION : asked;
}

const REPO = path.resolve(import.meta.dirname, '..');
/** Whether this process is root (Elasticsearch then runs as another user). */
export const AS_ROOT = process.getuid?.() === 0;
/** Whether every folder from `dir` up to / lets other users through (esgw must reach ES_HOME). */
function traversableByOthers(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}

/**
 * The ignored cache folder: <repo>/.cache when the unprivileged user can reach it, else (a
 * checkout under a private folder, e.g. a mktemp -d clone) /var/tmp/es-gateway. The zip itself
 * is also cached in ~/.m2, so a second run never downloads again.
 */
export const CACHE_ROOT = !AS_ROOT || traversableByOthers(REPO) ? path.join(REPO, '.cache') : path.join('/var/tmp', 'es-gateway');
const CACHE = path.join(CACHE_ROOT, 'elasticsearch');
const execFileP = promisify(execFile);

/** Run a command to its end; a failure carries its stdout. */
export async function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileP(cmd, args, { maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${e.message}\n${e.stdout ?? ''}`.trim(), { cause: err });
  }
}

/** Download (via Maven, cached in ~/.m2) and unpack the distribution once; returns ES_HOME. */
export async function ensureDistribution(version = ES_VERSION): Promise<string> {
  const home = path.join(CACHE, `elasticsearch-${version}`);
  if (fs.existsSync(path.join(home, 'bin', 'elasticsearch'))) return home;
  await fsp.mkdir(CACHE, { recursive: true });
  // Work in a temp dir and rename, so concurrent callers never see half a tree.
  const tmp = await fsp.mkdtemp(path.join(CACHE, '.fetch-'));
  try {
    await run('mvn', [
      '-q', '-B', 'dependency:copy',
      `-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:${version}:zip`,
      `-DoutputDirectory=${tmp}`,
    ]);
    await run('unzip', ['-q', path.join(tmp, `elasticsearch-${version}.zip`), '-d', tmp]);
    await fsp.rename(path.join(tmp, `elasticsearch-${version}`), home).catch((err: unknown) => {
      if (!fs.existsSync(path.join(home, 'bin', 'elasticsearch'))) throw err;
    });
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
  return home;
}

async function javaMajor(java: string): Promise<number | undefined> {
  try {
    const { stderr } = await execFileP(java, ['-version']);
    const m = /version "(\d+)(?:\.(\d+))?/.exec(stderr);
    if (!m) return undefined;
    return m[1] === '1' ? Number(m[2]) : Number(m[1]); // "1.8.0" style means 8
  } catch {
    return undefined;
  }
}

/** Pick a JDK for this Elasticsearch version: $ES_JAVA_HOME, else probe /usr/lib/jvm. */
export async function findJavaHome(version = ES_VERSION): Promise<string> {
  if (process.env.ES_JAVA_HOME) return process.env.ES_JAVA_HOME;
  const esMajor = Number(version.split('.')[0]);
  const preferred = esMajor >= 9 ? [21] : [21, 17]; // on the support matrix
  const minimum = esMajor >= 9 ? 21 : 17;
  const found: { home: string; major: number }[] = [];
  for (const name of await fsp.readdir('/usr/lib/jvm').catch(() => [])) {
    const home = await fsp.realpath(path.join('/usr/lib/jvm', name)).catch(() => '');
    const major = home ? await javaMajor(path.join(home, 'bin', 'java')) : undefined;
    if (major !== undefined && major >= minimum && !found.some((f) => f.home === home)) found.push({ home, major });
  }
  found.sort((a, b) => a.home.localeCompare(b.home));
  const rank = (major: number) => {
    const i = preferred.indexOf(major);
    return i >= 0 ? i : 1000 - major; // preferred first, then the newest
  };
  found.sort((a, b) => rank(a.major) - rank(b.major));
  const best = found[0];
  if (!best) throw new Error(`no JDK >= ${minimum} under /usr/lib/jvm for Elasticsearch ${version}; set ES_JAVA_HOME`);
  return best.home;
}
