// The few file operations whose durability the spool depends on, with an fsync hook: tests and
// the benchmark count fsyncs with it, the gateway times them (es_gateway_spool_fsync_seconds);
// and the deletion of a delivered segment.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';

export type FsyncTarget = 'segment' | 'directory' | 'checkpoint' | 'quarantine';
/** Called after each fsync that succeeded, with how long it took. */
export type FsyncHook = (target: FsyncTarget, seconds: number) => void;

export async function fsyncFile(fh: FileHandle, target: FsyncTarget, hook: FsyncHook | undefined): Promise<void> {
  const started = performance.now();
  await fh.sync();
  hook?.(target, (performance.now() - started) / 1000);
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

/**
 * Deletes a file, first cutting it down `stepBytes` at a time: freeing a 64 MiB segment in one
 * unlink took ~33 ms in the kernel here, and the segment fsyncs that waited behind it were the
 * tail of durable mode's acknowledgements (bench/README.md, "Delivered segments deleted a piece
 * at a time").
 */
export async function deleteGradually(path: string, stepBytes: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    for (let to = size - stepBytes; to > 0; to -= stepBytes) await fh.truncate(to);
  } finally {
    await fh.close();
  }
  await unlink(path);
}
