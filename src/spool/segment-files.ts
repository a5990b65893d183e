// Names and places of the files in a spool folder (pure, apart from listing the folder).
//
//   <dir>/00000000000000000001.seg     segments, append-only; the name is the sequence number
//   <dir>/cursor.ckpt                  the durable read cursor (see checkpoint.ts)
//   <dir>/LOCK                         the pid of the process that has the spool open
//   <dir>/quarantine/                  bytes recovery cut out of segments, for inspection
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const SEGMENT_SUFFIX = '.seg';
const SEGMENT_NAME = /^(\d{20})\.seg$/;

export const CHECKPOINT_FILE = 'cursor.ckpt';
export const LOCK_FILE = 'LOCK';
export const QUARANTINE_DIR = 'quarantine';

/** A place in the log: a byte offset in a segment. Offsets always sit on record boundaries. */
export interface LogPosition {
  readonly seq: number;
  readonly offset: number;
}

export function comparePositions(a: LogPosition, b: LogPosition): number {
  return a.seq !== b.seq ? a.seq - b.seq : a.offset - b.offset;
}

export function segmentFileName(seq: number): string {
  return String(seq).padStart(20, '0') + SEGMENT_SUFFIX;
}

export function parseSegmentFileName(name: string): number | undefined {
  const m = SEGMENT_NAME.exec(name);
  return m === null ? undefined : Number(m[1]);
}

export function segmentPath(dir: string, seq: number): string {
  return join(dir, segmentFileName(seq));
}

/** The file that holds the bytes cut from segment `seq` at `offset` (`why`: corrupt or torn). */
export function quarantineFileName(seq: number, offset: number, why: 'corrupt' | 'torn'): string {
  return `${segmentFileName(seq)}.at-${offset}.${why}`;
}

/** Sequence numbers of the segments in `dir`, ascending ([] when the folder does not exist). */
export async function listSegments(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const seqs: number[] = [];
  for (const name of names) {
    const seq = parseSegmentFileName(name);
    if (seq !== undefined) seqs.push(seq);
  }
  return seqs.sort((a, b) => a - b);
}

export async function listQuarantine(dir: string): Promise<string[]> {
  try {
    return (await readdir(join(dir, QUARANTINE_DIR))).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
