// Scenario 6 (issue 25): scenario 2 with the durable spool (GATEWAY_DURABILITY=durable,
// GATEWAY_SPOOL_FSYNC=interval) beside memory mode's in the same run, and the disk's own limits
// measured in that run in the spools' folder, so that durable mode's ratio to the physical limit
// is known. Runs after scenario 2 (its events/s is the denominator of #6).
import { SETTINGS } from '../../src/config/settings.ts';
import type { Context } from '../lib/context.ts';
import { measureDisk } from '../lib/disk.ts';
import type { Row } from '../lib/report.ts';
import { measureNullUpstream } from './null-upstream.ts';

/** The group-commit interval the gateways run with: the harness's environment, else the setting's default. */
export function fsyncIntervalMs(): number {
  const fallback = SETTINGS.find((x) => x.env === 'GATEWAY_SPOOL_FSYNC_INTERVAL_MS')?.default ?? '10';
  return Number(process.env.GATEWAY_SPOOL_FSYNC_INTERVAL_MS ?? fallback);
}

export async function durableAndDisk(ctx: Context): Promise<void> {
  const { settings: s } = ctx;
  const intervalMs = fsyncIntervalMs();
  // Records the size of one request body: the durable gateway appends a request's events in one go.
  const disk = measureDisk(ctx.tmpDir, { sequentialBytes: s.diskSequentialBytes, recordBytes: Math.round(ctx.bodyBytes), intervalMs, appendSeconds: s.diskAppendSeconds });
  ctx.measured.diskSequentialMbPerSec = disk.sequentialMbPerSec;
  ctx.measured.diskAppendMbPerSec = disk.appendMbPerSec;
  ctx.measured.diskFsyncIntervalMs = intervalMs;
  const perEvent = ctx.bodyBytes / s.eventsPerRequest;
  const diskRows: Row[] = [
    {
      id: '6-disk', scenario: 'disk: sequential write (spool folder)', mbPerSec: disk.sequentialMbPerSec, eventsPerSec: (disk.sequentialMbPerSec * 1e6) / perEvent,
      notes: `${(disk.sequentialBytes / 2 ** 20).toFixed(0)} MiB in 1 MiB writes, one fsync; events/s at ${perEvent.toFixed(0)} request bytes per event`,
    },
    {
      id: '6-sync', scenario: `disk: appends + fdatasync every ${intervalMs} ms (spool folder)`, mbPerSec: disk.appendMbPerSec, eventsPerSec: (disk.appendMbPerSec * 1e6) / perEvent,
      p50: disk.syncP50Ms, p99: disk.syncP99Ms, max: disk.syncMaxMs,
      notes: `${(disk.recordBytes / 1000).toFixed(1)} kB appends for ${s.diskAppendSeconds} s, ${disk.syncs} fdatasyncs (latency columns: one fdatasync); events/s at ${perEvent.toFixed(0)} request bytes per event`,
    },
  ];
  ctx.results.add('s6-disk', diskRows, { disk });
  const run = await measureNullUpstream(ctx, { id: '6', label: `, durable (interval fsync, ${intervalMs} ms)`, env: { GATEWAY_DURABILITY: 'durable', GATEWAY_SPOOL_FSYNC: 'interval' } });
  ctx.measured.s2DurableEventsPerSec = run.eventsPerSec;
  ctx.measured.s2DurableP99Ms = run.row.p99;
  ctx.measured.s2DurableMbPerSec = run.row.mbPerSec;
  const memory = ctx.measured.s2EventsPerSec;
  const ratios = [
    memory === undefined ? undefined : `÷ memory mode (#2) ${(run.eventsPerSec / memory).toFixed(2)}`,
    run.row.mbPerSec === undefined ? undefined : `÷ the disk's append limit ${(run.row.mbPerSec / disk.appendMbPerSec).toFixed(2)} (MB/s of request bodies)`,
  ].filter((x) => x !== undefined).join('; ');
  run.row.notes = `${ratios}; ${run.row.notes}`;
  ctx.results.add('s6-durable-null-upstream', [run.row], run.detail);
}
