// The spool lock waits a bounded time for a live holder (a gateway restarted right after kill -9
// finds its predecessor still exiting), takes over a dead or zombie holder's lock at once, and
// otherwise fails naming the folder and the holder's pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireSpoolLock, lockHolder, SpoolLockedError } from '../../../src/spool/spool-lock.ts';
import { tempDir } from './spool-test-support.ts';

let dir: string;
let cleanup: () => Promise<void>;
const children: ChildProcess[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await once(c, 'exit');
    }
  }
  await cleanup();
});

/** A live process to stand for the lock's holder. */
async function holder(): Promise<ChildProcess> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  return child;
}

async function lockedBy(pid: number): Promise<void> {
  await writeFile(`${dir}/LOCK`, `${pid}\n`);
}

describe('spool lock', () => {
  it('waits for a holder that exits within the bound, then takes the lock', async () => {
    const h = await holder();
    await lockedBy(h.pid!);
    setTimeout(() => h.kill('SIGKILL'), 300);
    const started = performance.now();
    const release = await acquireSpoolLock(dir, { waitMs: 5000 });
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(5000);
    expect(await readFile(`${dir}/LOCK`, 'utf8')).toBe(`${process.pid}\n`);
    await release();
  });

  it('waits for a holder that releases the lock within the bound (it goes on running)', async () => {
    const h = await holder();
    await lockedBy(h.pid!);
    setTimeout(() => void unlink(`${dir}/LOCK`), 300);
    const release = await acquireSpoolLock(dir, { waitMs: 5000 });
    expect(await readFile(`${dir}/LOCK`, 'utf8')).toBe(`${process.pid}\n`);
    await release();
  });

  it('fails after the bound with SpoolLockedError naming the folder and the holder', async () => {
    const h = await holder();
    await lockedBy(h.pid!);
    const started = performance.now();
    const err = await acquireSpoolLock(dir, { waitMs: 400 }).then(() => undefined, (e: unknown) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(err).toBeInstanceOf(SpoolLockedError);
    const locked = err as SpoolLockedError;
    expect(locked.dir).toBe(dir);
    expect(locked.pid).toBe(h.pid);
    expect(locked.message).toBe(`spool ${dir} is in use by process ${h.pid} (still running after waiting 0.4 s for it to exit)`);
    expect(await readFile(`${dir}/LOCK`, 'utf8')).toBe(`${h.pid}\n`); // the holder's lock is left alone
  });

  it('takes over at once the lock of a zombie (exited, never reaped by its parent)', async () => {
    // sh starts a short-lived child, then becomes `sleep`, which never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(parent);
    const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
    const zombie = Number.parseInt(line.toString(), 10);
    await expect.poll(async () => (await readFile(`/proc/${zombie}/stat`, 'utf8')).split(') ')[1]?.[0], { timeout: 2000 }).toBe('Z');
    await lockedBy(zombie);
    expect(await lockHolder(dir)).toBeUndefined();
    const started = performance.now();
    const release = await acquireSpoolLock(dir, { waitMs: 5000 });
    expect(performance.now() - started).toBeLessThan(1000);
    await release();
  });

  it('goes to exactly one of several processes that race for it, the others naming the winner, with nothing left beside it', async () => {
    const lockModule = new URL('../../../src/spool/spool-lock.ts', import.meta.url).href;
    const script = `const { acquireSpoolLock } = await import(${JSON.stringify(lockModule)});
      try { const release = await acquireSpoolLock(process.argv[1], { waitMs: 0 }); console.log('won ' + process.pid); await new Promise((r) => setTimeout(r, 1500)); await release(); }
      catch (err) { console.log(err.name === 'SpoolLockedError' ? 'locked ' + err.pid : 'error ' + err.message); }`;
    const racers = Array.from({ length: 6 }, () => spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] }));
    children.push(...racers);
    const said = await Promise.all(racers.map(async (r) => {
      let out = '';
      r.stdout?.on('data', (c: Buffer) => { out += c.toString(); });
      await once(r, 'exit');
      return out.trim();
    }));
    const winners = said.filter((l) => l.startsWith('won '));
    expect(winners, said.join('\n')).toHaveLength(1);
    const winner = winners[0]?.slice(4);
    for (const l of said.filter((x) => !x.startsWith('won '))) expect([`locked ${winner}`], said.join('\n')).toContain(l);
    expect(await readdir(dir)).not.toContain('LOCK');
    expect((await readdir(dir)).filter((n) => n.startsWith('LOCK'))).toEqual([]);
  });

  it('fails at once when this process holds the lock', async () => {
    const release = await acquireSpoolLock(dir);
    const started = performance.now();
    await expect(acquireSpoolLock(dir, { waitMs: 5000 })).rejects.toMatchObject({ name: 'SpoolLockedError', pid: process.pid });
    expect(performance.now() - started).toBeLessThan(1000);
    await release();
  });
});
