import { describe, expect, it } from 'vitest';
import { CheckpointStore, readCheckpoint } from '../../../src/spool/checkpoint.ts';
import type { FsyncTarget } from '../../../src/spool/durable-files.ts';
import { tempDirPerTest } from './spool-test-support.ts';

const folder = tempDirPerTest();

/** A durable store that counts its checkpoint-file fsyncs (one per save written). */
function store(minIntervalMs: number): { checkpoints: CheckpointStore; saves: () => number } {
  const synced: FsyncTarget[] = [];
  const checkpoints = new CheckpointStore(folder(), true, (target) => synced.push(target), minIntervalMs);
  return { checkpoints, saves: () => synced.filter((t) => t === 'checkpoint').length };
}

describe('CheckpointStore', () => {
  it('writes the first save at once and only the newest of those that come within the interval after it', async () => {
    const { checkpoints, saves } = store(150);
    await checkpoints.save({ seq: 1, offset: 10 });
    expect(saves()).toBe(1);
    expect(await readCheckpoint(folder())).toEqual({ kind: 'ok', position: { seq: 1, offset: 10 } });

    const started = performance.now();
    const waiting = [checkpoints.save({ seq: 1, offset: 20 }), checkpoints.save({ seq: 1, offset: 30 }), checkpoints.save({ seq: 2, offset: 5 })];
    await Promise.all(waiting);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100); // it waited for the interval
    expect(saves()).toBe(2);
    expect(await readCheckpoint(folder())).toEqual({ kind: 'ok', position: { seq: 2, offset: 5 } });
  });

  it('flush() writes the waiting save without waiting for the interval', async () => {
    const { checkpoints, saves } = store(600_000);
    await checkpoints.save({ seq: 3, offset: 1 });
    let settled = false;
    const second = checkpoints.save({ seq: 3, offset: 99 }).then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false); // held back by the ten-minute interval
    expect(await readCheckpoint(folder())).toEqual({ kind: 'ok', position: { seq: 3, offset: 1 } });

    await checkpoints.flush();
    await second;
    expect(saves()).toBe(2);
    expect(await readCheckpoint(folder())).toEqual({ kind: 'ok', position: { seq: 3, offset: 99 } });
  });
});
