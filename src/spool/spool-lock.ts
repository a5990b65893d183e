// One process at a time per spool folder: `LOCK` holds the owner's pid. A lock whose process
// is gone (a crash, SIGKILL) or a zombie (dead, not yet reaped by its parent) is stale and taken
// over. A live holder is waited for, up to SPOOL_LOCK_WAIT_MS: a gateway restarted right after
// `kill -9` finds its predecessor still exiting (the kernel tearing down its memory), and a
// rolling restart may overlap the old process's last moments; a holder still there after the
// wait makes open() fail with SpoolLockedError. Our own pid counts as alive only if this process
// took the lock (in a container the restarted gateway is often pid 1 again), and is not waited
// for. Advisory, for one host: processes in other pid namespaces sharing the folder are not
// detected. The lock appears whole: its pid is written to a file of our own and linked into place.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCK_FILE } from './segment-files.ts';

/** How long opening a spool waits for a live holder of its lock to exit (README, "Circuit breaker, spool and replay"). */
export const SPOOL_LOCK_WAIT_MS = 5000;
const POLL_MS = 50;

export class SpoolLockedError extends Error {
  override readonly name = 'SpoolLockedError';
  readonly dir: string;
  readonly pid: number;
  readonly waitedMs: number;
  constructor(dir: string, pid: number, waitedMs = 0) {
    super(`spool ${resolve(dir)} is in use by process ${pid}${waitedMs > 0 ? ` (still running after waiting ${waitedMs / 1000} s for it to exit)` : ''}`);
    this.dir = resolve(dir);
    this.pid = pid;
    this.waitedMs = waitedMs;
  }
}

const heldByThisProcess = new Set<string>();

/** The pid holding the lock on `dir` if that process is alive, else undefined. */
export async function lockHolder(dir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, LOCK_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (pid === process.pid) return heldByThisProcess.has(resolve(dir)) ? pid : undefined;
  return isAlive(pid) ? pid : undefined;
}

export interface SpoolLockOptions {
  /** How long to wait for a live holder to go; default SPOOL_LOCK_WAIT_MS. */
  waitMs?: number;
}

/**
 * Takes the lock on `dir`; resolves with a function that releases it. Rejects with
 * SpoolLockedError (naming the folder and the holder's pid) when another live process still
 * holds it after `waitMs`, or at once when this process does.
 */
export async function acquireSpoolLock(dir: string, options: SpoolLockOptions = {}): Promise<() => Promise<void>> {
  const waitMs = options.waitMs ?? SPOOL_LOCK_WAIT_MS;
  const path = join(dir, LOCK_FILE);
  const started = performance.now();
  let takeovers = 0;
  for (;;) {
    if (await createWithPid(path)) {
      const key = resolve(dir);
      heldByThisProcess.add(key);
      return async () => {
        heldByThisProcess.delete(key);
        await unlink(path).catch(() => undefined);
      };
    }
    const holder = await lockHolder(dir);
    if (holder === undefined) {
      // Stale: its process is gone. (A few rounds: another process may be taking it over too.)
      if (++takeovers > 3) throw new Error(`could not take the lock on spool ${dir}`);
      await unlink(path).catch(() => undefined);
      continue;
    }
    const waited = performance.now() - started;
    if (holder === process.pid || waited >= waitMs) throw new SpoolLockedError(dir, holder, holder === process.pid ? 0 : waitMs);
    await sleep(Math.min(POLL_MS, waitMs - waited));
  }
}

/**
 * Creates `path` holding this process's pid, or returns false when it exists. The pid is written
 * to a file of our own first and linked into place, so no other process ever reads the lock
 * empty (and takes it for stale) between its creation and its pid.
 */
async function createWithPid(path: string): Promise<boolean> {
  const own = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(own, `${process.pid}\n`);
  try {
    await link(own, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(own).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * True when `pid` is a zombie ('Z') or dead ('X') on Linux: it has exited (its files are closed,
 * it writes nothing more) and waits only for its parent to reap it, which a shell or a careless
 * supervisor may never do. Elsewhere (no /proc) false: the signal test alone decides.
 */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "<pid> (<comm>) <state> …": comm may hold spaces and parentheses, so the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}
