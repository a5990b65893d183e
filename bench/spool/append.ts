// Spool benchmark: append throughput per fsync policy, and the time to open (recover) a big
// spool. Prints markdown tables; asserts nothing.
//
//   node bench/spool/append.ts                      # 1 GiB recovery, 5 s per append run
//   node bench/spool/append.ts --quick              # 100 MiB recovery, 2 s per append run
//   node bench/spool/append.ts --recover-mb 4096 --seconds 10 --dir /mnt/ssd/tmp
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FsyncPolicy } from '../../src/spool/segment-writer.ts';
import type { SpoolEvent } from '../../src/spool/spool-event.ts';
import { Spool } from '../../src/spool/spool.ts';

const MiB = 1024 * 1024;
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'recover-mb': { type: 'string' },
    seconds: { type: 'string' },
    'events-per-append': { type: 'string', default: '500' },
    'event-bytes': { type: 'string', default: '200' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const quick = values.quick;
const recoverMb = Number(values['recover-mb'] ?? (quick ? 100 : 1024));
const seconds = Number(values.seconds ?? (quick ? 2 : 5));
const perAppend = Number(values['events-per-append']);
const eventBytes = Number(values['event-bytes']);

/** A pool of appends of `perAppend` events with ~`eventBytes`-byte JSON sources and unique ids. */
function makeAppends(count: number): SpoolEvent[][] {
  let n = 0;
  return Array.from({ length: count }, () => Array.from({ length: perAppend }, () => {
    n++;
    const head = `{"@timestamp":"2026-11-21T10:00:00.000Z","level":"info","service":"checkout","n":${n},"message":"`;
    const source = Buffer.from(`${head}${'m'.repeat(Math.max(0, eventBytes - head.length - 2))}"}`);
    return { id: `01KAK${String(n).padStart(21, '0')}`, index: 'events-app-2026.11.21', stream: 'app', acceptedAt: Date.now(), source, kind: 'event' as const };
  }));
}

const pool = makeAppends(64);
const poolEventBytes = pool[0]!.reduce((s, e) => s + e.source.length, 0);

interface AppendResult { policy: FsyncPolicy; concurrency: number; appends: number; mbPerSec: number; eventsPerSec: number; fsyncs: number; p50: number; p99: number }

async function appendRun(policy: FsyncPolicy, concurrency: number): Promise<AppendResult> {
  const dir = await mkdtemp(join(values.dir, 'spool-bench-'));
  let fsyncs = 0;
  const spool = await Spool.open(dir, { fsync: policy, fsyncIntervalMs: 10, maxBytes: 64 * 1024 * MiB, onFsync: (t) => { if (t === 'segment') fsyncs++; } });
  fsyncs = 0;
  const latencies: number[] = [];
  let appends = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
    for (let i = worker; performance.now() < deadline; i += concurrency) {
      const t0 = performance.now();
      await spool.append(pool[i % pool.length]!);
      latencies.push(performance.now() - t0);
      appends++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  const diskBytes = spool.stats().bytesOnDisk;
  await spool.close();
  await rm(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { policy, concurrency, appends, mbPerSec: diskBytes / MiB / elapsed, eventsPerSec: (appends * perAppend) / elapsed, fsyncs, p50: pct(0.5), p99: pct(0.99) };
}

async function recoveryRun(): Promise<{ mb: number; events: number; writeSec: number; openMs: number; openAgainMs: number; segments: number }> {
  const dir = await mkdtemp(join(values.dir, 'spool-bench-recover-'));
  const target = recoverMb * MiB;
  const writer = await Spool.open(dir, { fsync: 'never', maxBytes: target * 2 });
  const t0 = performance.now();
  let i = 0;
  while (writer.stats().bytesOnDisk < target) {
    await Promise.all([0, 1, 2, 3].map(() => writer.append(pool[i++ % pool.length]!)));
  }
  await writer.close(); // fsyncs the data, so the open below reads a settled file
  const writeSec = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const opened = await Spool.open(dir, { maxBytes: target * 2 });
  const openMs = performance.now() - t1;
  const { records, segments } = opened.recovery;
  await opened.close();
  const t2 = performance.now();
  const again = await Spool.open(dir, { maxBytes: target * 2 });
  const openAgainMs = performance.now() - t2;
  await again.close();
  await rm(dir, { recursive: true, force: true });
  return { mb: target / MiB, events: records, writeSec, openMs, openAgainMs, segments };
}

const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

console.log(`## Spool append throughput\n`);
console.log(`${perAppend} events of ${eventBytes}-byte sources per append (${fmt(poolEventBytes / 1024)} KiB of sources), ${seconds} s per run, fsyncIntervalMs 10, folder ${values.dir}. MB/s counts bytes written to segments (framing and headers included).\n`);
console.log('| fsync | concurrent appenders | appends | MB/s | events/s | fsyncs | p50 append ms | p99 append ms |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const policy of ['never', 'interval', 'always'] as const) {
  for (const concurrency of [1, 8]) {
    const r = await appendRun(policy, concurrency);
    console.log(`| ${r.policy} | ${r.concurrency} | ${r.appends} | ${fmt(r.mbPerSec)} | ${fmt(r.eventsPerSec, 0)} | ${r.fsyncs} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} |`);
  }
}

console.log(`\n## Spool recovery (open) time\n`);
const rec = await recoveryRun();
console.log('| spool size | events | segments | write (fsync never) | open: recovery scan | open again | scan rate |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
console.log(`| ${fmt(rec.mb, 0)} MiB | ${rec.events.toLocaleString('en-US')} | ${rec.segments} | ${fmt(rec.writeSec, 2)} s | ${fmt(rec.openMs, 0)} ms | ${fmt(rec.openAgainMs, 0)} ms | ${fmt(rec.mb / (rec.openMs / 1000), 0)} MiB/s |`);
console.log('\nOpen times are with the segments in the page cache (the benchmark just wrote them); a cold start reads them from disk first.');
