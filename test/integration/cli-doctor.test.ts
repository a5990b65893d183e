// `es-gateway doctor` run as a user runs it, against one real three-node cluster made to show
// each finding: an index forced onto one node by allocation filtering (skew), a dynamic index fed
// distinct keys under a low field limit (field count; also a text field with fielddata on), and
// concurrent bulks against a node with a write pool of one thread and a queue of one (rejections).
// ES_TEST_PORT_BASE pins the cluster's ports (HTTP base…base+2, transport base+3…base+5).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCluster, type ElasticsearchCluster } from '../../scripts/elasticsearch-cluster.ts';
import type { DoctorReport } from '../../src/cli/doctor/doctor-report.ts';

let cluster: ElasticsearchCluster;
let es: Client;

beforeAll(async () => {
  const base = process.env.ES_TEST_PORT_BASE;
  cluster = await startCluster({
    size: 3,
    name: 'doctor',
    version: inject('esVersion'),
    ...(base === undefined || base === '' ? {} : { basePort: Number(base) }),
    // A quick start for a light test, measured back to back on the busy 2-core machine: the JIT's
    // first tier only (34 s instead of 100 s for the three nodes, 43 s vs 62 s when quieter), then
    // 256 MB heaps and one processor each (fewer threads to start; 21 s and 29 s vs 40 s and 36 s).
    jvmOptions: ['-XX:TieredStopAtLevel=1'],
    heapMb: 256,
    // The third node's write pool takes one task and queues one: concurrent bulks get 429s.
    settings: (i): Record<string, string> => ({ 'node.processors': '1', ...(i === 2 ? { 'thread_pool.write.size': '1', 'thread_pool.write.queue_size': '1' } : {}) }),
  });
  es = new Client({ node: cluster.urls[0] as string });
}, 240_000);
afterAll(async () => {
  await es?.close();
  await cluster?.stop();
  // As the global setup does for its node: nothing left in /tmp unless ES_KEEP_DATA asks for it.
  if (!process.env.ES_KEEP_DATA) await Promise.all((cluster?.nodes ?? []).map((n) => rm(n.dataDir, { recursive: true, force: true })));
});

function doctor(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli/es-gateway.ts', 'doctor', '--es', cluster.urls[0] as string, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function report(...args: string[]): Promise<{ code: number | null; report: DoctorReport }> {
  const { code, stdout, stderr } = await doctor('--json', ...args);
  if (stdout === '') throw new Error(`doctor printed nothing (exit ${code}): ${stderr}`);
  return { code, report: JSON.parse(stdout) as DoctorReport };
}

const findings = (r: DoctorReport, code: string, subject?: string) => r.findings.filter((f) => f.code === code && (subject === undefined || f.subject === subject));

/**
 * Bulk operations for documents that bring the new keys k<from>…k<from+count-1>, 17 to a document
 * (each document that adds fields is a mapping update through the master: one per key is slow).
 */
function keyed(from: number, count: number): object[] {
  const docs: Record<string, unknown>[] = [];
  for (let k = from; k < from + count; k++) {
    if ((k - from) % 17 === 0) docs.push({ message: `alpha beta ${docs.length % 7}` });
    (docs.at(-1) as Record<string, unknown>)[`k${k}`] = k;
  }
  return docs.flatMap((doc) => [{ index: {} }, doc]);
}

describe('es-gateway doctor', () => {
  it('finds nothing wrong with a fresh cluster: exit 0', async () => {
    const { code, report: r } = await report();
    expect(r.cluster).toMatchObject({ name: 'doctor', status: 'green', nodes: 3, dataNodes: 3, unassigned: 0 });
    expect(r.nodes.map((n) => n.name)).toEqual(cluster.names);
    expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(r.summary).toMatchObject({ critical: 0, warning: 0, verdict: 'healthy' });
    expect(code).toBe(0);
  });

  it('reports the skewed index, the field count near its limit, text fielddata and write rejections: exit 1', async () => {
    const [node0, node1, node2] = cluster.names as [string, string, string];
    const only = (node: string, extra: Record<string, unknown> = {}) => ({ number_of_replicas: 0, 'routing.allocation.require._name': node, ...extra });
    await es.indices.create({ index: 'skewed', settings: only(node0, { number_of_shards: 3 }) });
    await es.bulk({ index: 'skewed', refresh: true, operations: Array.from({ length: 900 }, (_, n) => [{ index: {} }, { n, msg: `hello ${n}` }]).flat() });
    await es.indices.create({ index: 'fields', settings: only(node1, { number_of_shards: 1, 'mapping.total_fields.limit': 100 }), mappings: { properties: { message: { type: 'text', fielddata: true } } } });
    await es.bulk({ index: 'fields', refresh: true, operations: keyed(0, 85) });
    await es.search({ index: 'fields', size: 0, aggs: { words: { terms: { field: 'message' } } } }); // loads fielddata
    await es.indices.create({ index: 'pressure', settings: only(node2, { number_of_shards: 1 }) });
    const writeRejected = async () => Number((await es.cat.threadPool({ thread_pool_patterns: 'write', h: 'node_name,rejected', format: 'json' })).find((r) => r.node_name === node2)?.rejected);
    for (let round = 0; round < 10 && (await writeRejected()) === 0; round++) {
      await Promise.all(Array.from({ length: 12 }, () => es.bulk({ index: 'pressure', operations: Array.from({ length: 200 }, (_, n) => [{ index: {} }, { n }]).flat() })));
    }
    const rejected = await writeRejected();
    expect(rejected).toBeGreaterThan(0);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'esgw-doctor-'));
    writeFileSync(path.join(dir, 'streams.json'), JSON.stringify({ streams: { skewed: { index: 'skewed' } } }));
    const { code, report: r } = await report('--skew-min-gb', '0', '--config', path.join(dir, 'streams.json')).finally(() => rm(dir, { recursive: true, force: true }));

    expect(findings(r, 'index_skew', 'skewed')).toMatchObject([{ severity: 'warning', figures: { skew: 1.41, copies: 3, nodes: node0, allocationFilters: `index.routing.allocation.require._name=${node0}` } }]);
    expect(findings(r, 'index_skew', 'fields')).toEqual([]); // one shard: as even as it can be
    expect(findings(r, 'field_count', 'fields')).toMatchObject([{ severity: 'warning', figures: { fields: 86, limit: 100, usedPct: 86, dynamic: 'true' } }]);
    expect(findings(r, 'text_fielddata', 'fields')).toMatchObject([{ severity: 'warning', figures: { fields: 'message' } }]);
    expect(findings(r, 'dynamic_mapping').map((f) => f.subject).sort()).toEqual(['fields', 'pressure', 'streams.skewed']);
    expect(findings(r, 'thread_pool_rejections')).toMatchObject([{ subject: `${node2}/write`, severity: 'warning', figures: { rejected, threads: 1, queueSize: 1 } }]);
    expect(findings(r, 'shards_too_small', 'streams.skewed')[0]?.fix).toBe('streams.skewed.settings.number_of_shards: 1');
    expect(r.nodes.find((n) => n.name === node1)?.fielddataBytes).toBeGreaterThan(0);
    expect(r.summary).toMatchObject({ critical: 0, verdict: 'warnings', exitStatus: 1 });
    expect(code).toBe(1);
  });

  it('calls a field count at 95% of the limit critical, in words a person reads: exit 2', async () => {
    await es.bulk({ index: 'fields', refresh: true, operations: keyed(85, 10) });
    const { code, stdout } = await doctor();
    expect(stdout).toMatch(/^cluster "doctor" is green: 3 nodes \(3 data\)/);
    expect(stdout).toMatch(/^node +shards +docs +store +indexing +search +heap +old gen +fielddata +write q\/rej +search q\/rej$/m);
    expect(stdout).toMatch(/^CRITICAL mappings field_count fields: 96 fields of a limit of 100 \(96%\), mapping dynamic: true$/m);
    expect(stdout).toMatch(/^ +why: at the limit every document that brings a new field is refused/m);
    expect(stdout).toMatch(/^summary: critical — 1 critical, \d+ warnings?, \d+ notes? \(exit 2\)$/m);
    expect(code).toBe(2);
  });

  it('calls an unassigned primary critical, with the reason allocation explain gives', async () => {
    await es.indices.create({ index: 'nowhere', settings: { number_of_shards: 1, number_of_replicas: 0, 'routing.allocation.require._name': 'no-such-node' }, wait_for_active_shards: 0 });
    const { code, report: r } = await report();
    expect(r.cluster).toMatchObject({ status: 'red', unassigned: 1 });
    const [f] = findings(r, 'unassigned_shards');
    expect(f).toMatchObject({ severity: 'critical', figures: { unassigned: 1, unassignedPrimaries: 1, indices: 1 } });
    expect(f?.summary).toMatch(/nowhere\[0\] primary: node does not match index setting \[index\.routing\.allocation\.require\] filters \[_name:"no-such-node"\]/);
    expect(code).toBe(2);
  });

  it('answers a wrong flag with exit 3 and the usage', async () => {
    const { code, stderr } = await doctor('--fields-warn-pct', 'lots');
    expect(stderr).toMatch(/--fields-warn-pct must be a number/);
    expect(code).toBe(3);
  });
});
