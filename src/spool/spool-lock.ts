// One process at a time per spool folder: `LOCK` holds the owner's pid. A lock whose process
// is gone (a crash, SIGKILL) is stale and taken over; a live one makes open() fail. Our own
// pid counts as alive only if this process took the lock (in a container the restarted
// gateway is often pid 1 again). Advisory, for one host: processes in other pid namespaces
// sharing the folder are not detected.
import { open, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LOCK_FILE } from './segment-files.ts';

export class SpoolLockedError extends Error {
  override readonly name = 'SpoolLockedError';
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(`spool ${dir} is in use by process ${pid}`);
    this.pid = pid;
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

/** Takes the lock on `dir`; resolves with a function that releases it. */
export async function acquireSpoolLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      const key = resolve(dir);
      heldByThisProcess.add(key);
      return async () => {
        heldByThisProcess.delete(key);
        await unlink(path).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await lockHolder(dir);
    if (holder !== undefined) throw new SpoolLockedError(dir, holder);
    await unlink(path).catch(() => undefined); // stale: its process is gone
  }
  throw new Error(`could not take the lock on spool ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
