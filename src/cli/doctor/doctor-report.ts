// The doctor's report: every analysis over one snapshot, the per-node table, the summary and
// exit status, and the human rendering of it all (`--json` prints the report itself). Pure.
import type { ClusterSnapshot } from './cluster-snapshot.ts';
import { bytes, exitStatus, sortFindings, type Finding, type Thresholds } from './findings.ts';
import { mappingFindings } from './mapping-health.ts';
import { nodeLoads, type NodeLoad } from './node-loads.ts';
import { nodePressures, pressureFindings } from './pressure.ts';
import type { GatewayStream } from './gateway-streams.ts';
import { sizingFindings } from './shard-sizing.ts';
import { skewFindings } from './shard-skew.ts';

/** A node's line: its load (zeros for a node without data) and its pressure figures. */
export interface NodeRow extends Omit<NodeLoad, 'uptimeMs'> {
  dataNode: boolean;
  heapUsedPct: number;
  memoryPressurePct: number | undefined;
  fielddataBytes: number;
  writeQueue: number;
  writeRejected: number;
  searchQueue: number;
  searchRejected: number;
}

export interface DoctorReport {
  cluster: { name: string; status: string; nodes: number; dataNodes: number; primaries: number; shards: number; unassigned: number };
  nodes: NodeRow[];
  findings: Finding[];
  summary: { critical: number; warning: number; info: number; exitStatus: 0 | 1 | 2; verdict: 'healthy' | 'warnings' | 'critical' };
}

export function diagnose(snapshot: ClusterSnapshot, thresholds: Thresholds, streams: readonly GatewayStream[] = []): DoctorReport {
  const findings = sortFindings([
    ...skewFindings(snapshot, thresholds),
    ...sizingFindings(snapshot, thresholds, streams),
    ...mappingFindings(snapshot, thresholds, streams),
    ...pressureFindings(snapshot, thresholds),
  ]);
  const loads = new Map(nodeLoads(snapshot).map((n) => [n.name, n]));
  const nodes = nodePressures(snapshot).map((p): NodeRow => {
    const l = loads.get(p.name);
    return {
      name: p.name,
      dataNode: l !== undefined,
      dataRoles: l?.dataRoles ?? '',
      shards: l?.shards ?? 0,
      primaries: l?.primaries ?? 0,
      docs: l?.docs ?? 0,
      storeBytes: l?.storeBytes ?? 0,
      indexingLoad: l?.indexingLoad ?? 0,
      searchLoad: l?.searchLoad ?? 0,
      heapUsedPct: p.heapUsedPct,
      memoryPressurePct: p.memoryPressurePct,
      fielddataBytes: p.fielddataBytes,
      writeQueue: p.pools.write?.queue ?? 0,
      writeRejected: p.pools.write?.rejected ?? 0,
      searchQueue: p.pools.search?.queue ?? 0,
      searchRejected: p.pools.search?.rejected ?? 0,
    };
  });
  const h = snapshot.health;
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  const status = exitStatus(findings);
  return {
    cluster: { name: h.cluster_name, status: h.status, nodes: h.number_of_nodes, dataNodes: h.number_of_data_nodes, primaries: h.active_primary_shards, shards: h.active_shards, unassigned: h.unassigned_shards },
    nodes,
    findings,
    summary: { critical: count('critical'), warning: count('warning'), info: count('info'), exitStatus: status, verdict: (['healthy', 'warnings', 'critical'] as const)[status] },
  };
}

/** Columns padded to their widest cell; numbers right-aligned. */
function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd());
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A load figure with two significant digits (0.0031), as loads of idle nodes are small. */
const load = (n: number): string => (n === 0 ? '0' : Number(n.toPrecision(2)).toString());

const LABEL: Record<Finding['severity'], string> = { critical: 'CRITICAL', warning: 'WARNING ', info: 'INFO    ' };

export function formatReport(r: DoctorReport): string {
  const c = r.cluster;
  const lines = [`cluster "${c.name}" is ${c.status}: ${plural(c.nodes, 'node')} (${c.dataNodes} data), ${plural(c.primaries, 'primary shard')}, ${plural(c.shards, 'shard')}, ${c.unassigned} unassigned`, ''];
  lines.push(...table([
    ['node', 'shards', 'docs', 'store', 'indexing', 'search', 'heap', 'old gen', 'fielddata', 'write q/rej', 'search q/rej'],
    ...r.nodes.map((n) => [
      n.dataNode ? n.name : `${n.name} (no data)`, String(n.shards), String(n.docs), bytes(n.storeBytes), load(n.indexingLoad), load(n.searchLoad),
      `${n.heapUsedPct}%`, n.memoryPressurePct === undefined ? '-' : `${n.memoryPressurePct}%`, bytes(n.fielddataBytes),
      `${n.writeQueue}/${n.writeRejected}`, `${n.searchQueue}/${n.searchRejected}`,
    ]),
  ]));
  lines.push('(indexing, search: threads busy on average since the node started; q/rej: queued now / rejected since start)', '');
  const explained = new Set<string>();
  for (const f of r.findings) {
    lines.push(`${LABEL[f.severity]} ${f.family} ${f.code} ${f.subject}: ${f.summary}`);
    // Why a kind of finding matters is said once; the figures and the fix are each finding's own.
    if (!explained.has(f.code)) lines.push(`         why: ${f.why}`);
    explained.add(f.code);
    if (f.fix !== undefined) lines.push(`         fix: ${f.fix}`);
  }
  if (r.findings.length > 0) lines.push('');
  const s = r.summary;
  lines.push(`summary: ${s.verdict} — ${s.critical} critical, ${plural(s.warning, 'warning')}, ${plural(s.info, 'note')} (exit ${s.exitStatus})`);
  return `${lines.join('\n')}\n`;
}
