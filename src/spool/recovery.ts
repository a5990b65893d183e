// Opening a spool after a clean stop or a crash: delete segments the durable cursor has passed,
// scan the rest record by record, cut a torn tail off, move everything from a corrupt record
// on into quarantine/, and count what is left to deliver. Bad contents never throw: they are
// reported. Only I/O failures (permissions, disk errors) do.
import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readCheckpoint } from './checkpoint.ts';
import { fsyncDirectory, fsyncFile, type FsyncHook } from './durable-files.ts';
import { CHECKPOINT_FILE, listSegments, QUARANTINE_DIR, quarantineFileName, segmentPath, type LogPosition } from './segment-files.ts';
import { readAt, scanSegment, scanStart } from './segment-scanner.ts';
import { SegmentTable } from './segment-table.ts';

/** Torn tails longer than this are kept in quarantine too: a crash tears at most the last
 * write, so a long one more likely means a corrupt length field in the last segment. */
const KEEP_TORN_TAIL_OVER_BYTES = 1024 * 1024;

export interface RecoveryReport {
  /** Segment files in the spool once open (the active one included). */
  segments: number;
  /** Events waiting to be delivered (after the durable cursor). */
  records: number;
  /** Bytes those records take on disk. */
  bytes: number;
  tornBytesTruncated: number;
  /** Places where a record was corrupt; everything from there to its segment's end went to quarantine. */
  corruptRecords: number;
  /** Paths of the quarantine files written by this recovery. */
  quarantinedFiles: string[];
  quarantinedBytes: number;
  /** Fully consumed segments deleted. */
  deletedSegments: number;
  /** 'invalid': the checkpoint was unreadable; delivery restarts at the oldest segment. */
  checkpoint: 'ok' | 'missing' | 'invalid';
}

export interface RecoveredSpool {
  table: SegmentTable;
  cursor: LogPosition;
  report: RecoveryReport;
  oldestAcceptedAt: number | undefined;
  /** The next sequence number, for when the spool has no segment left. */
  nextSeq: number;
}

export async function recoverSpool(dir: string, durable: boolean, onFsync: FsyncHook | undefined): Promise<RecoveredSpool> {
  await mkdir(dir, { recursive: true });
  await unlink(join(dir, `${CHECKPOINT_FILE}.tmp`)).catch(() => undefined);
  const checkpoint = await readCheckpoint(dir);
  const saved = checkpoint.kind === 'ok' ? checkpoint.position : undefined;
  const report: RecoveryReport = {
    segments: 0, records: 0, bytes: 0, tornBytesTruncated: 0, corruptRecords: 0,
    quarantinedFiles: [], quarantinedBytes: 0, deletedSegments: 0, checkpoint: checkpoint.kind,
  };
  const table = new SegmentTable();
  const seqs = await listSegments(dir);
  const lastSeq = seqs[seqs.length - 1];
  let cursor = saved ?? { seq: 0, offset: 0 };
  let oldestAcceptedAt: number | undefined;
  let dirChanged = false;
  for (const seq of seqs) {
    const path = segmentPath(dir, seq);
    const fh = await open(path, 'r+');
    let size: number;
    let from: number | undefined;
    try {
      size = (await fh.stat()).size;
      from = scanStart(seq, saved, size);
      if (seq === cursor.seq && from !== undefined) cursor = { seq, offset: from }; // never past the file's end
      if (from !== undefined) {
        const scan = await scanSegment(fh, seq, from, seq === lastSeq);
        if (scan.tail.kind !== 'clean') {
          const { offset, bytes } = scan.tail;
          if (scan.tail.kind === 'corrupt') report.corruptRecords++;
          else report.tornBytesTruncated += bytes;
          if (scan.tail.kind === 'corrupt' || bytes > KEEP_TORN_TAIL_OVER_BYTES) {
            report.quarantinedFiles.push(await quarantine(dir, fh, seq, offset, size, scan.tail.kind, durable, onFsync));
            report.quarantinedBytes += bytes;
          }
          await fh.truncate(offset);
          if (durable) await fsyncFile(fh, 'segment', onFsync);
          size = offset;
        }
        report.records += scan.events;
        report.bytes += scan.validEnd - from;
        oldestAcceptedAt ??= scan.firstAcceptedAt;
      }
    } finally {
      await fh.close();
    }
    // Nothing left to deliver in a segment other than the last: it goes.
    if (seq !== lastSeq && (from === undefined || from >= size)) {
      await unlink(path);
      report.deletedSegments++;
      dirChanged = true;
    } else {
      table.add({ seq, path, size });
    }
  }
  if (durable && report.quarantinedFiles.length > 0) await fsyncDirectory(join(dir, QUARANTINE_DIR), onFsync);
  if (durable && dirChanged) await fsyncDirectory(dir, onFsync);
  report.segments = table.count;
  const nextSeq = Math.max(lastSeq ?? 0, saved?.seq ?? 0) + 1;
  return { table, cursor, report, oldestAcceptedAt, nextSeq };
}

/** Copies bytes [offset, size) of a segment into quarantine/; returns the new file's path. */
async function quarantine(dir: string, fh: FileHandle, seq: number, offset: number, size: number, why: 'corrupt' | 'torn', durable: boolean, onFsync: FsyncHook | undefined): Promise<string> {
  const qdir = join(dir, QUARANTINE_DIR);
  await mkdir(qdir, { recursive: true });
  const base = join(qdir, quarantineFileName(seq, offset, why));
  let out: FileHandle | undefined;
  let path = base;
  for (let n = 1; out === undefined; n++) {
    try {
      out = await open(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 1000) throw err;
      path = `${base}.${n}`;
    }
  }
  try {
    const chunk = 4 * 1024 * 1024;
    for (let at = offset; at < size; at += chunk) await out.write(await readAt(fh, at, Math.min(chunk, size - at)));
    if (durable) await fsyncFile(out, 'quarantine', onFsync);
  } finally {
    await out.close();
  }
  return path;
}
