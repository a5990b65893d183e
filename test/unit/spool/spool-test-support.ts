// Shared by the spool tests: temporary folders and events.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { SpoolEvent } from '../../../src/spool/spool-event.ts';

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A fresh temporary folder for each test of the file (removed after it): call at top level. */
export function tempDirPerTest(): () => string {
  let current: { dir: string; cleanup: () => Promise<void> } | undefined;
  beforeEach(async () => {
    current = await tempDir();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error('no temporary folder outside a test');
    return current.dir;
  };
}

/** Event number `n`, with a source of about `sourceBytes` bytes that names it. */
export function event(n: number, sourceBytes = 200): SpoolEvent {
  const head = `{"n":${n},"msg":"`;
  const pad = 'x'.repeat(Math.max(0, sourceBytes - head.length - 2));
  return { id: `id-${n}`, index: 'events-app-2026.01.01', stream: 'app', acceptedAt: 1_700_000_000_000 + n, source: Buffer.from(`${head}${pad}"}`), kind: 'event' };
}

export function events(from: number, count: number, sourceBytes = 200): SpoolEvent[] {
  return Array.from({ length: count }, (_, i) => event(from + i, sourceBytes));
}

export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort();
}

export function ids(list: readonly { id: string }[]): string[] {
  return list.map((e) => e.id);
}

/** XORs byte `at` of `buf` with `mask` (damage on purpose). */
export function flip(buf: Buffer, at: number, mask = 0xff): void {
  buf[at] = (buf[at] as number) ^ mask;
}
