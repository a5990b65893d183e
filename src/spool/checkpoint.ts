// The durable read cursor: everything before it was delivered. One line of text,
// `v1 <segment seq> <offset> <crc32 hex>`, replaced atomically (durable-files.ts). Saves are
// coalesced: while one is being written, and until `minIntervalMs` after it started, later
// cursors wait and only the newest is written; flush() writes the waiting one at once.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically, type FsyncHook } from './durable-files.ts';
import { checksum } from './record-framing.ts';
import { CHECKPOINT_FILE, type LogPosition } from './segment-files.ts';

export type CheckpointRead =
  | { kind: 'missing' }
  | { kind: 'ok'; position: LogPosition }
  | { kind: 'invalid'; reason: string };

export function formatCheckpoint(p: LogPosition): string {
  const body = `v1 ${p.seq} ${p.offset}`;
  return `${body} ${checksum(Buffer.from(body)).toString(16).padStart(8, '0')}\n`;
}

export function parseCheckpoint(text: string): CheckpointRead {
  const m = /^(v1 (\d{1,16}) (\d{1,16})) ([0-9a-f]{8})\n?$/.exec(text);
  if (m === null) return { kind: 'invalid', reason: `unreadable checkpoint ${JSON.stringify(text.slice(0, 80))}` };
  const [, body, seq, offset, crc] = m as unknown as [string, string, string, string, string];
  if (checksum(Buffer.from(body)) !== parseInt(crc, 16)) return { kind: 'invalid', reason: 'checkpoint checksum mismatch' };
  return { kind: 'ok', position: { seq: Number(seq), offset: Number(offset) } };
}

export async function readCheckpoint(dir: string): Promise<CheckpointRead> {
  try {
    return parseCheckpoint(await readFile(join(dir, CHECKPOINT_FILE), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'invalid', reason: (err as Error).message };
  }
}

export class CheckpointStore {
  private readonly dir: string;
  private readonly durable: boolean;
  private readonly hook: FsyncHook | undefined;
  private readonly minIntervalMs: number;
  private writing: Promise<void> | undefined;
  private next: { position: LogPosition; done: Promise<void>; settle: (err?: unknown) => void } | undefined;
  private lastStartedAt = Number.NEGATIVE_INFINITY;
  /** Ends the wait between two saves early (set while drain() waits). */
  private wake: (() => void) | undefined;
  private flushing = 0;

  constructor(dir: string, durable: boolean, hook: FsyncHook | undefined, minIntervalMs = 0) {
    this.dir = dir;
    this.durable = durable;
    this.hook = hook;
    this.minIntervalMs = minIntervalMs;
  }

  /** Resolves once `position` (or a later one) is the durable checkpoint. */
  save(position: LogPosition): Promise<void> {
    if (this.next !== undefined) {
      this.next.position = position;
      return this.next.done;
    }
    let settle!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    this.next = { position, done, settle };
    if (this.writing === undefined) this.writing = this.drain();
    return done;
  }

  /** Writes the waiting save now (no wait for the interval); resolves when no save is pending. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      this.wake?.();
      while (this.writing !== undefined) await this.writing.catch(() => undefined);
    } finally {
      this.flushing--;
    }
  }

  private async drain(): Promise<void> {
    while (this.next !== undefined) {
      await this.spacing();
      this.lastStartedAt = performance.now();
      const job = this.next;
      this.next = undefined;
      try {
        const path = join(this.dir, CHECKPOINT_FILE);
        await writeFileAtomically(this.dir, path, Buffer.from(formatCheckpoint(job.position)), this.durable, this.hook, 'checkpoint');
        job.settle();
      } catch (err) {
        job.settle(err);
      }
    }
    this.writing = undefined;
  }

  /** Waits until `minIntervalMs` after the last save started, unless flush() is waiting. */
  private spacing(): Promise<void> {
    const wait = this.lastStartedAt + this.minIntervalMs - performance.now();
    if (wait <= 0 || this.flushing > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), wait);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
