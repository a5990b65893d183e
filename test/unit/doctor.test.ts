// The doctor's analyses over snapshots captured from the real three-node test cluster
// (test/unit/fixtures/doctor/capture.ts): `busy` — an index forced onto doctor-0 by allocation
// filtering (skewed), a dynamic index at 86 of 100 fields with a text field with fielddata on
// (fields), and 18 write rejections on doctor-2 (write pool of 1 thread, queue of 1) after
// concurrent bulks; `unassigned` — an index whose filter matches no node and one with more
// replicas than nodes; `healthy` — one strict, evenly spread index. Where a test needs a state
// the cluster could not reach here (50 GB shards, a tripped breaker), it edits a copy and says so.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../../src/cli/doctor/cluster-snapshot.ts';
import { diagnose, formatReport } from '../../src/cli/doctor/doctor-report.ts';
import { DEFAULT_THRESHOLDS, exitStatus, type Finding, type Thresholds } from '../../src/cli/doctor/findings.ts';
import { gatewayStreams, streamOf } from '../../src/cli/doctor/gateway-streams.ts';
import { fieldCount, fielddataTextFields } from '../../src/cli/doctor/mapping-health.ts';
import { coefficientOfVariation, evenSpreadVariation, nodeLoads, tierNodes } from '../../src/cli/doctor/node-loads.ts';
import { loadConfig } from '../../src/config/config.ts';

const fixture = (name: string): ClusterSnapshot => JSON.parse(readFileSync(new URL(`./fixtures/doctor/${name}.json`, import.meta.url), 'utf8')) as ClusterSnapshot;
const run = (s: ClusterSnapshot, t: Partial<Thresholds> = {}, streamFile?: unknown) => diagnose(s, { ...DEFAULT_THRESHOLDS, ...t }, gatewayStreams(loadConfig({}, streamFile)));
const find = (findings: Finding[], code: string, subject?: string) => findings.filter((f) => f.code === code && (subject === undefined || f.subject === subject));

describe('skew', () => {
  it('measures spread against the most even placement of the copies', () => {
    expect(coefficientOfVariation([3, 0, 0])).toBeCloseTo(Math.SQRT2);
    expect(evenSpreadVariation(3, 3)).toBe(0);
    expect(evenSpreadVariation(1, 3)).toBeCloseTo(Math.SQRT2); // one shard cannot spread: no skew
    expect(evenSpreadVariation(4, 3)).toBeCloseTo(coefficientOfVariation([2, 1, 1]));
  });

  it('finds the index forced onto one node, names its allocation filter, and the node above the mean', () => {
    const { findings } = run(fixture('busy'), { skewMinBytes: 0 });
    const [skew] = find(findings, 'index_skew', 'skewed');
    expect(skew).toMatchObject({ severity: 'warning', figures: { skew: 1.41, dimension: 'store', copies: 3, nodes: 'doctor-0', allocationFilters: 'index.routing.allocation.require._name=doctor-0' } });
    expect(skew?.fix).toMatch(/require\._name=doctor-0/);
    // One-shard indices on one node are as even as they can be.
    expect(find(findings, 'index_skew', 'fields')).toEqual([]);
    expect(find(findings, 'index_skew', 'pressure')).toEqual([]);
    const [node] = find(findings, 'node_above_mean', 'doctor-0');
    expect(node?.figures.storeBytesAboveMeanPct).toBeGreaterThan(50);
  });

  it('judges an index against the nodes of its data tier (edited: doctor-2 made a warm node)', () => {
    const s = fixture('busy');
    const nodes = Object.values(s.nodes);
    expect(tierNodes(nodes, 'data_content')).toEqual(['doctor-0', 'doctor-1', 'doctor-2']); // generic data role: every tier
    for (const n of nodes) n.roles = n.name === 'doctor-2' ? ['data_warm'] : ['data_hot', 'data_content'];
    expect(tierNodes(nodes, 'data_content')).toEqual(['doctor-0', 'doctor-1']);
    expect(tierNodes(nodes, 'data_frozen,data_warm')).toEqual(['doctor-2']);
    expect(tierNodes(nodes, undefined)).toEqual(['doctor-0', 'doctor-1', 'doctor-2']);
    const { findings } = run(s, { skewMinBytes: 0 });
    expect(find(findings, 'index_skew', 'skewed')[0]?.figures).toMatchObject({ variation: 1, evenVariation: 0.33, skew: 0.67 }); // [all, 0] over two nodes, against [2, 1]
    // Nodes are compared within their tier: the lone warm node is above no one's mean.
    expect(find(findings, 'node_above_mean', 'doctor-2')).toEqual([]);
  });

  it('leaves indices below --skew-min-gb alone (the default: 1 GB)', () => {
    expect(run(fixture('busy')).findings.filter((f) => f.family === 'skew')).toEqual([]);
  });

  it('counts shards, primaries, docs and bytes per data node', () => {
    const loads = nodeLoads(fixture('busy'));
    expect(loads.map((n) => [n.name, n.shards, n.primaries])).toEqual([['doctor-0', 5, 4], ['doctor-1', 3, 3], ['doctor-2', 3, 1]]);
    expect(loads.find((n) => n.name === 'doctor-0')?.docs).toBe(3393);
  });
});

describe('mappings', () => {
  it('counts fields as Elasticsearch does against the limit (objects, leaves, multi-fields)', () => {
    // The node refused an 11th field for this mapping under a limit of 10.
    const lim = { properties: { n1: { type: 'long' }, n2: { type: 'long' }, n3: { type: 'long' }, n4: { type: 'long' }, n5: { type: 'long' }, o: { properties: { a: { type: 'long' }, b: { type: 'long' } } }, s: { type: 'text', fields: { keyword: { type: 'keyword' } } } } };
    expect(fieldCount(lim)).toBe(10);
    expect(fieldCount(fixture('busy').mappings.fields!.mappings)).toBe(86);
    expect(fielddataTextFields(fixture('busy').mappings.fields!.mappings)).toEqual(['message']);
  });

  it('warns at 80% of the field limit and is critical at 95% (flags)', () => {
    const warn = find(run(fixture('busy')).findings, 'field_count', 'fields');
    expect(warn).toMatchObject([{ severity: 'warning', figures: { fields: 86, limit: 100, usedPct: 86, dynamic: 'true' } }]);
    const critical = run(fixture('busy'), { fieldsCriticalPct: 85 });
    expect(find(critical.findings, 'field_count', 'fields')[0]?.severity).toBe('critical');
    expect(critical.summary.exitStatus).toBe(2);
  });

  it('lists dynamic: true indices as notes, text fields with fielddata as warnings, and for a stream the setting to change', () => {
    const streams = { streams: { fields: { index: 'fields' } } };
    const { findings } = run(fixture('busy'), {}, streams);
    expect(find(findings, 'dynamic_mapping').map((f) => [f.subject, f.severity])).toEqual([['pressure', 'info'], ['skewed', 'info'], ['streams.fields', 'info']]);
    expect(find(findings, 'dynamic_mapping', 'streams.fields')[0]?.fix).toMatch(/^streams\.fields\.dynamic: "strict"/);
    expect(find(findings, 'field_count', 'fields')[0]?.fix).toMatch(/^streams\.fields\.dynamic: "strict"/);
    expect(find(findings, 'text_fielddata', 'streams.fields')).toMatchObject([{ severity: 'warning', figures: { fields: 'message', indices: 1 } }]);
    expect(find(findings, 'dynamic_mapping', 'spread')).toEqual([]); // strict
  });

  it('makes one note of a family of dated indices (edited: the fields index copied as two daily ones, one with its limit of 100)', () => {
    const s = fixture('busy');
    for (const day of ['2026.11.20', '2026.11.21']) s.mappings[`logs-${day}`] = s.mappings.fields!;
    s.settings['logs-2026.11.20'] = s.settings.fields!; // the other keeps the default limit of 1000
    const { findings } = run(s);
    expect(find(findings, 'dynamic_mapping', 'logs-*')).toMatchObject([{ summary: 'dynamic: true on logs-2026.11.20, logs-2026.11.21', figures: { indices: 2 } }]);
    expect(find(findings, 'text_fielddata', 'logs-*')).toMatchObject([{ figures: { fields: 'message', indices: 2 } }]);
    expect(find(findings, 'field_count').map((f) => f.subject)).toEqual(['fields', 'logs-2026.11.20']); // each against its own limit
  });

  it('reports fielddata memory above its share of the heap', () => {
    expect(find(run(fixture('busy')).findings, 'fielddata_memory')).toEqual([]);
    const at = find(run(fixture('busy'), { fielddataWarnPct: 0 }).findings, 'fielddata_memory');
    expect(at).toMatchObject([{ subject: 'doctor-1', figures: { fielddataBytes: 1384 } }]);
    expect(at[0]?.summary).toMatch(/largest: message/);
  });
});

describe('pressure', () => {
  it('reports write rejections per node with the pool and its queue', () => {
    const f = find(run(fixture('busy')).findings, 'thread_pool_rejections');
    expect(f).toMatchObject([{ subject: 'doctor-2/write', severity: 'warning', figures: { rejected: 18, threads: 1, queueSize: 1 } }]);
  });

  it('makes unassigned primaries critical and says why from allocation explain', () => {
    const report = run(fixture('unassigned'));
    const [f] = find(report.findings, 'unassigned_shards');
    expect(f).toMatchObject({ severity: 'critical', figures: { unassigned: 3, unassignedPrimaries: 2, indices: 2 } });
    expect(f?.summary).toMatch(/no-such-node/);
    expect(report.summary).toMatchObject({ exitStatus: 2, verdict: 'critical' });
    // Only a replica missing (edited: the primaries assigned): a warning.
    const replicas = fixture('unassigned');
    replicas.health.unassigned_primary_shards = 0;
    expect(find(run(replicas).findings, 'unassigned_shards')[0]?.severity).toBe('warning');
  });

  it('judges memory pressure by the old generation, breaker trips and full queues (edited copies)', () => {
    const s = fixture('busy');
    const node = Object.values(s.nodes).find((n) => n.name === 'doctor-1')!;
    node.jvm.mem.pools!.old!.used_in_bytes = Math.round(node.jvm.mem.heap_max_in_bytes * 0.9);
    node.breakers!.parent!.tripped = 3;
    const pool = s.threadPools.find((p) => p.node_name === 'doctor-0' && p.name === 'search')!;
    pool.queue = pool.queue_size;
    const { findings } = run(s);
    expect(find(findings, 'memory_pressure', 'doctor-1')).toMatchObject([{ severity: 'critical', figures: { memoryPressurePct: 90 } }]);
    expect(find(findings, 'breaker_trips', 'doctor-1')).toMatchObject([{ severity: 'warning', figures: { parent: 3 } }]);
    expect(find(findings, 'thread_pool_queue', 'doctor-0/search')).toMatchObject([{ severity: 'critical', figures: { queue: 1000, queueSize: 1000 } }]);
  });
});

describe('sizing', () => {
  /** The busy snapshot with `skewed`'s shards a million times larger (~60 GB each). */
  function large(): ClusterSnapshot {
    const s = fixture('busy');
    for (const row of s.shards) if (row.index === 'skewed') row.store = String(Number(row.store) * 1024 * 1024);
    return s;
  }

  it('reports primaries above 50 GB and, for a stream, the number_of_shards that fixes it', () => {
    const streams = { streams: { skewed: { index: 'skewed' } } };
    const [f] = find(run(large(), {}, streams).findings, 'shards_too_large', 'skewed');
    expect(f).toMatchObject({ severity: 'warning', figures: { primaries: 3, suggestedShards: 6 } });
    expect(f?.fix).toMatch(/^streams\.skewed\.settings\.number_of_shards: 6/);
    expect(find(run(large()).findings, 'shards_too_large', 'skewed')[0]?.fix).toMatch(/_split/);
  });

  it('notes over-sharded small indices and a daily stream whose indices are too small for their shards', () => {
    const s = fixture('healthy');
    // Edited: the spread index's shards copied as two daily indices of a stream on the default pattern.
    for (const day of ['2026.11.20', '2026.11.21']) s.shards.push(...s.shards.filter((r) => r.index === 'spread').map((r) => ({ ...r, index: `events-app-${day}`, shard: r.shard })));
    const { findings, summary } = run(s);
    expect(find(findings, 'shards_too_small', 'spread')).toMatchObject([{ severity: 'info', figures: { primaries: 3, suggestedShards: 1 } }]);
    const [daily] = find(findings, 'stream_indices_too_small', 'GATEWAY_INDEX_PATTERN');
    expect(daily).toMatchObject({ severity: 'info', figures: { indices: 2, suggestedPattern: 'events-{stream}-{yyyy.MM}' } });
    expect(summary.exitStatus).toBe(0); // notes only
  });
});

describe('the gateway\'s streams', () => {
  it('are the configured streams\' index patterns, then the default pattern of the others', () => {
    const config = loadConfig({ GATEWAY_INDEX_PATTERN: 'logs-{stream}-{yyyy.MM.dd}' }, { streams: { orders: { index: 'orders-{yyyy.MM}' }, audit: {} } });
    expect(gatewayStreams(config)).toEqual([
      { setting: 'streams.orders', indexPattern: 'orders-{yyyy.MM}', glob: 'orders-*' },
      { setting: 'streams.audit', indexPattern: 'logs-audit-{yyyy.MM.dd}', glob: 'logs-audit-*' },
      { setting: 'GATEWAY_INDEX_PATTERN', indexPattern: 'logs-{stream}-{yyyy.MM.dd}', glob: 'logs-*-*' },
    ]);
    expect(gatewayStreams(loadConfig({ GATEWAY_UNKNOWN_STREAMS: 'reject' })).map((s) => s.setting)).toEqual([]);
    const streams = gatewayStreams(config);
    expect(streamOf(streams, 'orders-2026.11')?.setting).toBe('streams.orders');
    expect(streamOf(streams, '.ds-orders-2026.11-2026.11.20-000001')?.setting).toBe('streams.orders'); // a data stream's backing index
    expect(streamOf(streams, 'logs-web-2026.11.20')?.setting).toBe('GATEWAY_INDEX_PATTERN');
    expect(streamOf(streams, 'metrics')).toBeUndefined();
  });
});

describe('the report', () => {
  it('is healthy (exit 0) on the evenly spread, strict cluster', () => {
    const report = run(fixture('healthy'));
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(report.summary).toMatchObject({ critical: 0, warning: 0, exitStatus: 0, verdict: 'healthy' });
    expect(report.cluster).toEqual({ name: 'doctor', status: 'green', nodes: 3, dataNodes: 3, primaries: 3, shards: 6, unassigned: 0 });
  });

  it('renders a table per node, each finding with why and fix, and a summary line', () => {
    const text = formatReport(run(fixture('busy'), { skewMinBytes: 0 }));
    expect(text).toMatch(/^cluster "doctor" is green: 3 nodes \(3 data\), 8 primary shards, 11 shards, 0 unassigned$/m);
    expect(text).toMatch(/^doctor-2 {2,}3 {2,}1203 .* 0\/18 +0\/0$/m);
    expect(text).toMatch(/^WARNING {2}skew index_skew skewed: skew 1\.41/m);
    expect(text).toMatch(/^ +fix: allocation filters confine it/m);
    expect(text).toMatch(/^summary: warnings — 0 critical, 6 warnings, 5 notes \(exit 1\)$/m);
  });

  it('exit status: 0 with notes only, 1 with a warning, 2 with a critical finding', () => {
    const f = (severity: Finding['severity']): Finding => ({ family: 'pressure', code: 'x', severity, subject: 's', summary: '', why: '', figures: {} });
    expect(exitStatus([])).toBe(0);
    expect(exitStatus([f('info')])).toBe(0);
    expect(exitStatus([f('info'), f('warning')])).toBe(1);
    expect(exitStatus([f('warning'), f('critical'), f('info')])).toBe(2);
  });
});
