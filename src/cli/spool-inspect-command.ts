// `es-gateway spool inspect <dir> [--json]`: what a spool folder holds, read-only.
// Exit code: 0 clean, 1 corrupt records found (quarantined at the gateway's next start), 2 usage.
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { inspectSpool, type SpoolInspection } from '../spool/spool-inspection.ts';
import { segmentFileName } from '../spool/segment-files.ts';
import { bytes } from './byte-size.ts';
import { SPOOL_INSPECT_USAGE } from './command-usage.ts';

export async function runSpoolInspect(args: string[], out: (text: string) => void, now: number = Date.now()): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) {
    out(`usage: ${SPOOL_INSPECT_USAGE}\n`);
    return 2;
  }
  if (!(await stat(dir).then((st) => st.isDirectory(), () => false))) {
    out(`es-gateway spool inspect: ${dir} is not a folder\n`);
    return 2;
  }
  const inspection = await inspectSpool(dir);
  out(values.json ? `${JSON.stringify(inspection, null, 2)}\n` : formatInspection(inspection, now));
  return inspection.corruptRecords > 0 ? 1 : 0;
}

export function formatInspection(s: SpoolInspection, now: number): string {
  const lines: string[] = [];
  lines.push(`spool ${s.dir}${s.lockedBy === undefined ? '' : ` (open in process ${s.lockedBy}: the last record may be a write in progress)`}`);
  const c = s.checkpoint;
  lines.push(c.kind === 'ok'
    ? `cursor: ${segmentFileName(c.position.seq)} offset ${c.position.offset}`
    : c.kind === 'missing' ? 'cursor: none (nothing delivered yet)' : `cursor: INVALID (${c.reason}); the next open re-delivers from the oldest segment`);
  lines.push('');
  lines.push('| segment | size | pending events | pending bytes | first accepted | status |');
  lines.push('|---|---:|---:|---:|---|---|');
  for (const seg of s.segments) {
    const scan = seg.scan;
    let status = 'delivered (deleted at next open)';
    if (scan !== undefined) {
      status = scan.tail.kind === 'clean' ? 'ok'
        : scan.tail.kind === 'torn' ? `torn tail: ${scan.tail.bytes} bytes at offset ${scan.tail.offset}`
        : `CORRUPT at offset ${scan.tail.offset}: ${scan.tail.reason} (${scan.tail.bytes} bytes to quarantine)`;
    }
    lines.push(`| ${seg.name} | ${bytes(seg.size)} | ${scan?.events ?? 0} | ${bytes(scan === undefined ? 0 : scan.validEnd - scan.from)} | ${time(scan?.firstAcceptedAt)} | ${status} |`);
  }
  lines.push('');
  lines.push(`segments:        ${s.segments.length}`);
  lines.push(`pending events:  ${s.events}`);
  lines.push(`pending bytes:   ${bytes(s.bytes)}`);
  lines.push(`bytes on disk:   ${bytes(s.bytesOnDisk)}`);
  lines.push(`oldest pending:  ${s.oldestAcceptedAt === undefined ? '-' : `${time(s.oldestAcceptedAt)} (${age(now - s.oldestAcceptedAt)} ago)`}`);
  lines.push(`corrupt records: ${s.corruptRecords}`);
  lines.push(`torn tail bytes: ${s.tornBytes}`);
  lines.push(`quarantine:      ${s.quarantineFiles.length === 0 ? 'empty' : s.quarantineFiles.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function time(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '-' : new Date(ms).toISOString();
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
