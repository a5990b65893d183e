// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and self
// time by file/package. Usable on its own:  node bench/profile-summary.ts <file.cpuprofile> [top]
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Frame { name: string; where: string; selfMs: number; selfPct: number }

export interface ProfileSummary {
  totalMs: number;
  idlePct: number;
  top: Frame[];
  byFile: { where: string; selfPct: number }[];
}

function shortUrl(url: string, root: string): string {
  if (url === '') return '(native)';
  const p = url.startsWith('file://') ? new URL(url).pathname : url;
  const nm = p.lastIndexOf('/node_modules/');
  if (nm !== -1) return p.slice(nm + '/node_modules/'.length);
  return p.startsWith(root) ? path.relative(root, p) : p;
}

/** A package name for dependencies, the repo-relative path for our files, the node: module, or the native frame's name. */
function fileOf(url: string, name: string, root: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const short = shortUrl(url, root);
  if (url.includes('/node_modules/')) return short.split('/').slice(0, short.startsWith('@') ? 2 : 1).join('/');
  return short;
}

export function summarise(profile: CpuProfile, root: string, topN = 10): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // Time per sample: timeDeltas[i] is the time before sample i; attribute it to the sample's node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  const total = [...self.values()].reduce((a, x) => a + x, 0);
  const frames = new Map<string, Frame>();
  const files = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (n === undefined) continue;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') idle += us;
    const where = n.callFrame.url === '' ? '(native)' : `${shortUrl(n.callFrame.url, root)}:${n.callFrame.lineNumber + 1}`;
    const key = `${name} ${where}`;
    const f = frames.get(key) ?? { name, where, selfMs: 0, selfPct: 0 };
    f.selfMs += us / 1000;
    frames.set(key, f);
    const file = fileOf(n.callFrame.url, name, root);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const busy = total - idle;
  for (const f of frames.values()) f.selfPct = (100 * f.selfMs * 1000) / busy;
  return {
    totalMs: total / 1000,
    idlePct: (100 * idle) / total,
    top: [...frames.values()].filter((f) => f.name !== '(idle)').sort((a, b) => b.selfMs - a.selfMs).slice(0, topN),
    byFile: [...files.entries()].filter(([w]) => w !== '(idle)').map(([where, us]) => ({ where, selfPct: (100 * us) / busy })).sort((a, b) => b.selfPct - a.selfPct).slice(0, topN),
  };
}

export function formatSummary(s: ProfileSummary): string {
  const lines = [
    `profile: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${s.idlePct.toFixed(1)}% idle; shares below are of the non-idle time`,
    '',
    '| # | self % | function | where |',
    '|---|---|---|---|',
    ...s.top.map((f, i) => `| ${i + 1} | ${f.selfPct.toFixed(1)} | \`${f.name}\` | ${f.where} |`),
    '',
    '| self % | file or package |',
    '|---|---|',
    ...s.byFile.map((f) => `| ${f.selfPct.toFixed(1)} | ${f.where} |`),
  ];
  return lines.join('\n');
}

if (import.meta.main) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  console.log(formatSummary(summarise(profile, path.resolve(import.meta.dirname, '..'), Number(top ?? 15))));
}
