// Idle RSS of the gateway as scenario 2 starts it (fake upstream, bench stream, the checkout's own
// entry and V8 flags), one second after /healthz answers, median of N starts; with the resident
// set split into anonymous and file-backed pages (smaps_rollup: file-backed is mostly the node
// binary's code and read-only data that start-up touched).
//   node bench/idle-rss.ts [starts] [extra node flags...]
//   SMAPS=1 ...          also print the largest mappings of each start
//   IDLE_ROOT=<checkout> run another checkout's gateway
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STREAM } from './lib/context.ts';
import { benchStream } from './lib/events.ts';
import { sleep, startGateway, startPortPrinter } from './lib/proc.ts';

const starts = Number(process.argv[2] ?? 3);
const nodeArgs = process.argv.slice(3);
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-gateway-idle-'));
const fake = await startPortPrinter('bench/fake-bulk-upstream.ts', []);
const rows: { rss: number; anon: number; file: number }[] = [];
try {
  for (let i = 0; i < starts; i++) {
    const gateway = await startGateway({ esUrl: fake.url, env: { GATEWAY_INSTALL_TEMPLATES: 'false' }, streams: { streams: { [STREAM]: benchStream(undefined) } }, nodeArgs, tmpDir, ...(process.env.IDLE_ROOT ? { root: process.env.IDLE_ROOT } : {}) });
    await sleep(1000);
    const s = fs.readFileSync(`/proc/${gateway.pid}/smaps_rollup`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0) / 1000;
    rows.push({ rss: kb('Rss'), anon: kb('Anonymous'), file: kb('Rss') - kb('Anonymous') });
    if (process.env.SMAPS) {
      const per = new Map<string, number>();
      let name = '';
      for (const line of fs.readFileSync(`/proc/${gateway.pid}/smaps`, 'utf8').split('\n')) {
        const m = /^[0-9a-f]+-[0-9a-f]+ (\S+) (\S+) \S+ \S+\s*(.*)$/.exec(line);
        if (m) { name = `${m[3] || '[anon]'} ${m[1]} ${m[2]}`; continue; }
        const r = /^Rss:\s+(\d+)/.exec(line);
        if (r) per.set(name, (per.get(name) ?? 0) + Number(r[1]) / 1000);
      }
      console.log([...per].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${v.toFixed(1)} ${k}`).join('\n'));
    }
    await gateway.stop();
  }
} finally {
  await fake.stop();
  fs.rmSync(tmpDir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log(`idle RSS over ${starts} starts: median ${median(rows.map((r) => r.rss)).toFixed(1)} MB (anonymous ${median(rows.map((r) => r.anon)).toFixed(1)}, file-backed ${median(rows.map((r) => r.file)).toFixed(1)}); all: ${rows.map((r) => r.rss.toFixed(1)).join(', ')}`);
