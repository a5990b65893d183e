// The disk's own limits, measured in the run beside the durable row (issue 25), in the folder
// the gateways' spools use: what durable mode could reach at most on this disk.
// Synchronous file calls on purpose: nothing else runs in the harness while they are measured,
// and they time the disk, not the event loop.
import fs from 'node:fs';
import path from 'node:path';

export interface DiskLimits {
  /** Sequential writes of 1 MiB, one fsync at the end: MB/s (1 MB = 10^6 bytes). */
  sequentialMbPerSec: number;
  sequentialBytes: number;
  /** Appends of `recordBytes` as fast as they go, an fdatasync every `intervalMs`: MB/s. */
  appendMbPerSec: number;
  recordBytes: number;
  intervalMs: number;
  syncs: number;
  /** How long each fdatasync took (ms). */
  syncP50Ms: number;
  syncP99Ms: number;
  syncMaxMs: number;
}

const MiB = 2 ** 20;

const percentile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** Sequential write throughput of `bytes` into a new file in `dir` (made durable by one fsync). */
export function sequentialWrite(dir: string, bytes: number): number {
  const file = path.join(dir, `disk-sequential-${process.pid}`);
  const chunk = Buffer.alloc(MiB, 0x61);
  const fd = fs.openSync(file, 'w');
  try {
    const t0 = performance.now();
    for (let written = 0; written < bytes; written += chunk.length) fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
    return bytes / 1e6 / ((performance.now() - t0) / 1000);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

/**
 * Group commit at its physical limit: records of `recordBytes` appended back to back for
 * `seconds`, with an fdatasync once `intervalMs` has passed since the last one (what
 * GATEWAY_SPOOL_FSYNC=interval does, without the gateway's encoding, CRC or event loop).
 * Not preallocated: the file grows as the spool's segments do.
 */
export function appendsWithSync(dir: string, recordBytes: number, intervalMs: number, seconds: number): Omit<DiskLimits, 'sequentialMbPerSec' | 'sequentialBytes'> {
  const file = path.join(dir, `disk-append-${process.pid}`);
  const record = Buffer.alloc(recordBytes, 0x62);
  const fd = fs.openSync(file, 'a');
  const syncMs: number[] = [];
  let bytes = 0;
  try {
    const t0 = performance.now();
    let lastSync = t0;
    for (let now = t0; now - t0 < seconds * 1000; now = performance.now()) {
      fs.writeSync(fd, record);
      bytes += record.length;
      if (now - lastSync >= intervalMs) {
        const s0 = performance.now();
        fs.fdatasyncSync(fd);
        lastSync = performance.now();
        syncMs.push(lastSync - s0);
      }
    }
    fs.fdatasyncSync(fd);
    const elapsed = (performance.now() - t0) / 1000;
    const sorted = syncMs.sort((a, b) => a - b);
    return {
      appendMbPerSec: bytes / 1e6 / elapsed, recordBytes, intervalMs, syncs: syncMs.length,
      syncP50Ms: percentile(sorted, 0.5), syncP99Ms: percentile(sorted, 0.99), syncMaxMs: sorted.at(-1) ?? Number.NaN,
    };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

export function measureDisk(dir: string, opts: { sequentialBytes: number; recordBytes: number; intervalMs: number; appendSeconds: number }): DiskLimits {
  return {
    sequentialMbPerSec: sequentialWrite(dir, opts.sequentialBytes),
    sequentialBytes: opts.sequentialBytes,
    ...appendsWithSync(dir, opts.recordBytes, opts.intervalMs, opts.appendSeconds),
  };
}
