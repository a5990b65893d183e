import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSpoolInspect } from '../../../src/cli/spool-inspect-command.ts';
import { RECORD_HEADER_BYTES } from '../../../src/spool/record-framing.ts';
import { segmentFileName } from '../../../src/spool/segment-files.ts';
import type { SpoolEvent } from '../../../src/spool/spool-event.ts';
import { encodeSpoolEvent } from '../../../src/spool/event-records.ts';
import { inspectSpool } from '../../../src/spool/spool-inspection.ts';
import { Spool, type SpoolBatch } from '../../../src/spool/spool.ts';
import { events, flip, ids, tempDir } from './spool-test-support.ts';

let dir: string;
let cleanup: () => Promise<void>;
const opened: Spool[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  await cleanup();
});

async function openSpool(): Promise<Spool> {
  const s = await Spool.open(dir, { segmentBytes: 4096, fsync: 'always' });
  opened.push(s);
  return s;
}

/** Writes each group with one append (one segment each, at 4 KiB segments) and closes. */
async function writeSpool(groups: SpoolEvent[][]): Promise<void> {
  const s = await Spool.open(dir, { segmentBytes: 4096, fsync: 'never' });
  for (const g of groups) await s.append(g);
  await s.close();
}

/** Byte offset of record `i` of a segment holding `list`. */
function offsetOf(list: SpoolEvent[], i: number): number {
  let at = 0;
  for (const e of list.slice(0, i)) at += RECORD_HEADER_BYTES + encodeSpoolEvent(e).length;
  return at;
}

async function readAll(s: Spool): Promise<SpoolBatch[]> {
  const out: SpoolBatch[] = [];
  for (let b = await s.read(1000, 1 << 20); b !== undefined; b = await s.read(1000, 1 << 20)) out.push(b);
  return out;
}

const seg = (seq: number) => join(dir, segmentFileName(seq));

describe('Spool recovery', () => {
  it('truncates a torn last record (cut mid-payload, then mid-header)', async () => {
    const list = events(0, 10);
    await writeSpool([list]);
    const end9 = offsetOf(list, 9);
    await truncate(seg(1), end9 + 100); // inside record 9's payload
    const s1 = await openSpool();
    expect(s1.recovery).toMatchObject({ records: 9, tornBytesTruncated: 100, corruptRecords: 0, quarantinedFiles: [] });
    expect((await stat(seg(1))).size).toBe(end9);
    expect(ids((await readAll(s1)).flatMap((b) => b.events))).toEqual(ids(list.slice(0, 9)));
    await s1.append(events(10, 1)); // appends continue right after the last good record
    await s1.close();
    opened.pop();

    await truncate(seg(1), end9 + 5); // inside the header of the record after record 8
    const s2 = await openSpool();
    expect(s2.recovery).toMatchObject({ records: 9, tornBytesTruncated: 5, corruptRecords: 0 });
  });

  it('treats a zero-filled tail of the last segment as torn', async () => {
    const list = events(0, 5);
    await writeSpool([list]);
    const size = (await stat(seg(1))).size;
    await writeFile(seg(1), Buffer.alloc(3000), { flag: 'a' });
    const s = await openSpool();
    expect(s.recovery).toMatchObject({ records: 5, tornBytesTruncated: 3000, corruptRecords: 0, quarantinedFiles: [] });
    expect((await stat(seg(1))).size).toBe(size);
  });

  it('quarantines the rest of a segment from a corrupt record and still delivers the other segments', async () => {
    const groups = [events(0, 20), events(20, 20), events(40, 20)];
    await writeSpool(groups);
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg'))).toHaveLength(3);
    const bad = offsetOf(groups[0]!, 5);
    const bytes = await readFile(seg(1));
    flip(bytes, bad + RECORD_HEADER_BYTES + 30, 0xff); // flip bits inside record 5's payload
    flip(bytes, bad + RECORD_HEADER_BYTES + 31, 0x01);
    await writeFile(seg(1), bytes);
    // and an absurd length in the middle of segment 2
    const bytes2 = await readFile(seg(2));
    bytes2.writeUInt32LE(0xfffffff0, offsetOf(groups[1]!, 12));
    await writeFile(seg(2), bytes2);

    const s = await openSpool();
    const r = s.recovery;
    expect(r).toMatchObject({ corruptRecords: 2, records: 5 + 12 + 20, tornBytesTruncated: 0 });
    expect(r.quarantinedFiles).toHaveLength(2);
    const q1 = r.quarantinedFiles.find((f) => f.endsWith(`${segmentFileName(1)}.at-${bad}.corrupt`));
    expect(q1).toBeDefined();
    expect(await readFile(q1!)).toEqual(bytes.subarray(bad)); // the cut bytes, kept as they were
    expect((await stat(seg(1))).size).toBe(bad);
    const got = (await readAll(s)).flatMap((b) => b.events);
    expect(ids(got)).toEqual(ids([...groups[0]!.slice(0, 5), ...groups[1]!.slice(0, 12), ...groups[2]!]));
    expect(s.stats().pendingEvents).toBe(37);
  });

  it('opens a spool whose files are garbage without throwing', async () => {
    await writeSpool([events(0, 20), events(20, 20)]);
    await writeFile(seg(1), randomBytes(5000));
    await writeFile(join(dir, 'cursor.ckpt'), 'v1 what');
    const s = await openSpool();
    expect(s.recovery).toMatchObject({ checkpoint: 'invalid', corruptRecords: 1, records: 20 });
    expect(ids((await readAll(s)).flatMap((b) => b.events))).toEqual(ids(events(20, 20)));
  });
});

describe('spool inspect', () => {
  it('reports segments, records, oldest age and corrupt records without changing anything', async () => {
    const groups = [events(0, 20), events(20, 20)];
    await writeSpool(groups);
    const bytes = await readFile(seg(1));
    flip(bytes, offsetOf(groups[0]!, 3) + RECORD_HEADER_BYTES + 1);
    await writeFile(seg(1), bytes);
    const before = await snapshot();

    const inspection = await inspectSpool(dir);
    expect(inspection).toMatchObject({ events: 23, corruptRecords: 1, tornBytes: 0, oldestAcceptedAt: groups[0]![0]!.acceptedAt, lockedBy: undefined });
    expect(inspection.segments.map((x) => x.scan?.tail.kind)).toEqual(['corrupt', 'clean']);

    let text = '';
    const code = await runSpoolInspect([dir], (t) => { text += t; }, groups[0]![0]!.acceptedAt + 90_000);
    expect(code).toBe(1);
    expect(text).toMatch(/pending events: +23/);
    expect(text).toMatch(/corrupt records: 1/);
    expect(text).toMatch(/\(90s ago\)/);
    expect(text).toMatch(/CORRUPT at offset/);
    expect(await snapshot()).toEqual(before);
    expect(await runSpoolInspect([join(dir, 'nope')], () => undefined)).toBe(2);
  });
});

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir)) {
    const st = await stat(join(dir, name));
    out[name] = st.isFile() ? `${st.size}:${st.mtimeMs}:${(await readFile(join(dir, name))).toString('base64')}` : 'dir';
  }
  return out;
}

describe('es-gateway command', () => {
  it('runs spool inspect as a subcommand', async () => {
    await writeSpool([events(0, 3)]);
    const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ['src/cli/es-gateway.ts', 'spool', 'inspect', dir, '--json'], (err, stdout) => resolve({ code: err === null ? 0 : Number(err.code), stdout }));
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ events: 3, corruptRecords: 0 });
  });
});
