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
  /**
   * The replay cursor is saved at most this often (ms between the starts of two saves): each save
   * is a file written, synced and renamed, and run back to back they took durable mode's CPU for
   * little (bench/README.md, "the replay cursor at most every 200 ms"). A crash re-sends what was
   * delivered since the last save (deduplicated by id).
   */
  checkpointIntervalMs: number;
  /** Called after every fsync that succeeded, with its duration (metrics; tests and the benchmark count them). */
  onFsync?: FsyncHook | undefined;
}

export const DEFAULT_SPOOL_OPTIONS: Readonly<SpoolOptions> = {
  segmentBytes: 64 * MiB,
  maxBytes: 1024 * MiB,
  fsync: 'interval',
  fsyncIntervalMs: 10,
  groupCommitBytes: 1 * MiB,
  checkpointIntervalMs: 200,
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
  for (const key of ['fsyncIntervalMs', 'checkpointIntervalMs'] as const) {
    if (!Number.isFinite(o[key]) || o[key] < 0) problems.push(`${key} must be >= 0 (got ${o[key]})`);
  }
  if (!['always', 'interval', 'never'].includes(o.fsync)) problems.push(`fsync must be always, interval or never (got ${String(o.fsync)})`);
  if (problems.length > 0) throw new SpoolOptionsError(`invalid spool options: ${problems.join('; ')}`);
  return o;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
