// The few file operations whose durability the spool depends on, with an fsync hook so tests
// and the benchmark can count fsyncs.
import { open, rename, type FileHandle } from 'node:fs/promises';

export type FsyncTarget = 'segment' | 'directory' | 'checkpoint' | 'quarantine';
export type FsyncHook = (target: FsyncTarget) => void;

export async function fsyncFile(fh: FileHandle, target: FsyncTarget, hook: FsyncHook | undefined): Promise<void> {
  hook?.(target);
  await fh.sync();
}

/** Makes creations, renames and truncations of entries in `dir` durable. */
export async function fsyncDirectory(dir: string, hook: FsyncHook | undefined): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fsyncFile(fh, 'directory', hook);
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `path` with `data` so a crash leaves either the old or the new file, never a mix:
 * write a temporary file, fsync it, rename it over `path`, fsync the folder. With
 * `durable: false` the fsyncs are skipped (the rename is still atomic for running readers).
 */
export async function writeFileAtomically(dir: string, path: string, data: Uint8Array, durable: boolean, hook: FsyncHook | undefined, target: FsyncTarget): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    if (durable) await fsyncFile(fh, target, hook);
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  if (durable) await fsyncDirectory(dir, hook);
}
