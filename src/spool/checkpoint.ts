// The durable read cursor: everything before it was delivered. One line of text,
// `v1 <segment seq> <offset> <crc32 hex>`, replaced atomically (durable-files.ts). Saves are
// coalesced: while one is being written, later cursors wait and only the newest is written.
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
  private writing: Promise<void> | undefined;
  private next: { position: LogPosition; done: Promise<void>; settle: (err?: unknown) => void } | undefined;

  constructor(dir: string, durable: boolean, hook: FsyncHook | undefined) {
    this.dir = dir;
    this.durable = durable;
    this.hook = hook;
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

  /** Resolves when no save is pending. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing.catch(() => undefined);
  }

  private async drain(): Promise<void> {
    while (this.next !== undefined) {
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
}
