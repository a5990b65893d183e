// A read-only look at a spool folder (for `es-gateway spool inspect`): the same scan recovery
// does, reporting instead of repairing. Safe to run next to a gateway that has the spool open
// (its last record may then show as torn: a write in progress).
import { open } from 'node:fs/promises';
import { readCheckpoint, type CheckpointRead } from './checkpoint.ts';
import { listQuarantine, listSegments, segmentFileName, segmentPath } from './segment-files.ts';
import { scanSegment, scanStart, type SegmentScan } from './segment-scanner.ts';
import { lockHolder } from './spool-lock.ts';

export interface SegmentInspection {
  name: string;
  /** File size. */
  size: number;
  /** Wholly before the cursor: delivered, deleted at the next open. */
  consumed: boolean;
  /** undefined when consumed. */
  scan: SegmentScan | undefined;
}

export interface SpoolInspection {
  dir: string;
  checkpoint: CheckpointRead;
  /** pid of the live process that has the spool open, if any. */
  lockedBy: number | undefined;
  segments: SegmentInspection[];
  /** Events after the cursor (valid records only). */
  events: number;
  bytes: number;
  bytesOnDisk: number;
  oldestAcceptedAt: number | undefined;
  newestAcceptedAt: number | undefined;
  corruptRecords: number;
  tornBytes: number;
  quarantineFiles: string[];
}

export async function inspectSpool(dir: string): Promise<SpoolInspection> {
  const checkpoint = await readCheckpoint(dir);
  const cursor = checkpoint.kind === 'ok' ? checkpoint.position : undefined;
  const seqs = await listSegments(dir);
  const result: SpoolInspection = {
    dir, checkpoint, lockedBy: await lockHolder(dir), segments: [], events: 0, bytes: 0, bytesOnDisk: 0,
    oldestAcceptedAt: undefined, newestAcceptedAt: undefined, corruptRecords: 0, tornBytes: 0, quarantineFiles: await listQuarantine(dir),
  };
  for (const seq of seqs) {
    const fh = await open(segmentPath(dir, seq), 'r');
    try {
      const size = (await fh.stat()).size;
      result.bytesOnDisk += size;
      const from = scanStart(seq, cursor, size);
      const scan = from === undefined ? undefined : await scanSegment(fh, seq, from, seq === seqs[seqs.length - 1]);
      result.segments.push({ name: segmentFileName(seq), size, consumed: scan === undefined, scan });
      if (scan === undefined) continue;
      result.events += scan.events;
      result.bytes += scan.validEnd - scan.from;
      if (scan.tail.kind === 'corrupt') result.corruptRecords++;
      if (scan.tail.kind === 'torn') result.tornBytes += scan.tail.bytes;
      if (scan.firstAcceptedAt !== undefined) result.oldestAcceptedAt = Math.min(result.oldestAcceptedAt ?? Infinity, scan.firstAcceptedAt);
      if (scan.lastAcceptedAt !== undefined) result.newestAcceptedAt = Math.max(result.newestAcceptedAt ?? -Infinity, scan.lastAcceptedAt);
    } finally {
      await fh.close();
    }
  }
  return result;
}
