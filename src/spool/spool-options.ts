// Options of Spool.open(), their defaults and validation (pure).
import type { FsyncHook } from './durable-files.ts';
import type { FsyncPolicy } from './segment-writer.ts';

const MiB = 1024 * 1024;

export interface SpoolOptions {
  /** A new segment starts once the active one has passed this many bytes. */
  segmentBytes: number;
  /** Most bytes the segment files may take on disk; an append past it fails with SpoolFullError. */
  maxBytes: number;
  /** When an append resolves: after fsync ('always'), after a shared fsync ('interval'), after write() ('never'). */
  fsync: FsyncPolicy;
  /** 'interval': fsyncs at most this often... */
  fsyncIntervalMs: number;
  /** ...unless this many written bytes wait for one: then at once. */
  groupCommitBytes: number;
  /** Called after every fsync that succeeded, with its duration (metrics; tests and the benchmark count them). */
  onFsync?: FsyncHook | undefined;
}

export const DEFAULT_SPOOL_OPTIONS: Readonly<SpoolOptions> = {
  segmentBytes: 64 * MiB,
  maxBytes: 1024 * MiB,
  fsync: 'interval',
  fsyncIntervalMs: 10,
  groupCommitBytes: 1 * MiB,
};

export class SpoolOptionsError extends Error {
  override readonly name = 'SpoolOptionsError';
}

export function resolveSpoolOptions(options: Partial<SpoolOptions>): SpoolOptions {
  const o: SpoolOptions = { ...DEFAULT_SPOOL_OPTIONS, ...withoutUndefined(options) };
  const problems: string[] = [];
  for (const key of ['segmentBytes', 'maxBytes', 'groupCommitBytes'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 1) problems.push(`${key} must be a positive integer (got ${o[key]})`);
  }
  if (!Number.isFinite(o.fsyncIntervalMs) || o.fsyncIntervalMs < 0) problems.push(`fsyncIntervalMs must be >= 0 (got ${o.fsyncIntervalMs})`);
  if (!['always', 'interval', 'never'].includes(o.fsync)) problems.push(`fsync must be always, interval or never (got ${String(o.fsync)})`);
  if (problems.length > 0) throw new SpoolOptionsError(`invalid spool options: ${problems.join('; ')}`);
  return o;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
