import { afterEach, describe, expect, it } from 'vitest';
import { WorkerFailedError, WorkerPool } from '../../src/ingest/worker-pool.ts';

type Task = { bytes?: Uint8Array; fail?: string; exit?: boolean };
const pools: WorkerPool<Task, { sum: number }>[] = [];

function pool(size: number, idleMs = 60_000): { pool: WorkerPool<Task, { sum: number }>; counts: number[]; failures: Error[] } {
  const counts: number[] = [];
  const failures: Error[] = [];
  const p = new WorkerPool<Task, { sum: number }>({
    file: new URL('./fixtures/echo-worker.ts', import.meta.url),
    size,
    workerData: undefined,
    idleMs,
    onWorkerCount: (n) => counts.push(n),
    onWorkerFailed: (err) => failures.push(err),
  });
  pools.push(p);
  return { pool: p, counts, failures };
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('worker pool', () => {
  it('answers undefined while its workers start, then runs tasks on them, moving transferred buffers', async () => {
    const { pool: p, counts } = pool(2);
    expect(p.run({ bytes: new Uint8Array([1]) })).toBeUndefined(); // cold: the caller does the work
    expect(p.running).toBe(2);
    await p.warm();
    const bytes = new Uint8Array([1, 2, 3, 250]);
    const task = p.run({ bytes }, [bytes.buffer]);
    expect(bytes.byteLength).toBe(0); // transferred, not copied
    await expect(task).resolves.toEqual({ sum: 256 });
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => p.run({ bytes: new Uint8Array([i]) })));
    expect(many.map((r) => r?.sum)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(counts).toEqual([2]);
  });

  it('rejects a task the worker failed, and keeps the worker', async () => {
    const { pool: p, failures } = pool(1);
    await p.warm();
    await expect(p.run({ fail: 'bad task' })).rejects.toThrow('bad task');
    await expect(p.run({ bytes: new Uint8Array([7]) })).resolves.toEqual({ sum: 7 });
    expect(failures).toEqual([]);
  });

  it('fails the tasks of a worker that died with WorkerFailedError and starts a new one on demand', async () => {
    const { pool: p, counts, failures } = pool(1);
    await p.warm();
    const err = await p.run({ exit: true })?.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerFailedError);
    expect(failures).toHaveLength(1);
    expect(p.running).toBe(0);
    await p.warm();
    await expect(p.run({ bytes: new Uint8Array([5]) })).resolves.toEqual({ sum: 5 });
    expect(counts).toEqual([1, 0, 1]);
  });

  it('stops its workers after idleMs without tasks', async () => {
    const { pool: p, counts } = pool(2, 100);
    await p.warm();
    await expect(p.run({ bytes: new Uint8Array([1]) })).resolves.toEqual({ sum: 1 });
    await new Promise((r) => setTimeout(r, 400));
    expect(p.running).toBe(0);
    expect(counts).toEqual([2, 0]);
  });

  it('with size 0 never starts a worker', async () => {
    const { pool: p } = pool(0);
    await p.warm();
    expect(p.run({ bytes: new Uint8Array([1]) })).toBeUndefined();
    expect(p.running).toBe(0);
  });
});
