// Pressure: write and search thread pool queues and rejections per node, JVM memory pressure,
// circuit breaker trips and unassigned shards. Pure: findings from a snapshot. Counters
// (rejections, trips) are Elasticsearch's since each node started: a restart clears them.
import type { ClusterSnapshot } from './cluster-snapshot.ts';
import { num, pct, type Finding, type Thresholds } from './findings.ts';

export interface NodePressure {
  name: string;
  heapUsedPct: number;
  /** Old generation in percent of the heap: what is left after young collections (Elastic's "JVM memory pressure"). */
  memoryPressurePct: number | undefined;
  fielddataBytes: number;
  pools: Record<string, { active: number; size: number; queue: number; queueSize: number; rejected: number; completed: number }>;
  breakerTrips: Record<string, number>;
}

export function nodePressures(snapshot: ClusterSnapshot): NodePressure[] {
  return Object.values(snapshot.nodes).map((n) => {
    const old = n.jvm.mem.pools?.old;
    const pools: NodePressure['pools'] = {};
    for (const row of snapshot.threadPools.filter((r) => r.node_name === n.name)) {
      // A bounded queue has a size; an unbounded one shows -1.
      pools[row.name] = { active: num(row.active), size: num(row.size), queue: num(row.queue), queueSize: num(row.queue_size), rejected: num(row.rejected), completed: num(row.completed) };
    }
    return {
      name: n.name,
      heapUsedPct: n.jvm.mem.heap_used_percent,
      memoryPressurePct: old === undefined ? undefined : pct(old.used_in_bytes, n.jvm.mem.heap_max_in_bytes),
      fielddataBytes: n.indices.fielddata?.memory_size_in_bytes ?? 0,
      pools,
      breakerTrips: Object.fromEntries(Object.entries(n.breakers ?? {}).map(([name, b]) => [name, b.tripped])),
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

const POOL_WHY: Record<string, string> = {
  write: 'a rejected write is a 429 for its bulk items: the gateway retries them with backoff, and past GATEWAY_RETRY_MAX_ATTEMPTS they go to the dead-letter index; ingest slows to what this node takes',
  search: 'a rejected search shard request makes searches fail or come back partial (429, or shard failures)',
};

export function pressureFindings(snapshot: ClusterSnapshot, t: Thresholds): Finding[] {
  const findings: Finding[] = [];
  for (const n of nodePressures(snapshot)) {
    for (const [pool, p] of Object.entries(n.pools)) {
      const subject = `${n.name}/${pool}`;
      if (p.rejected > 0) {
        findings.push({
          family: 'pressure', code: 'thread_pool_rejections', severity: 'warning', subject,
          summary: `${p.rejected} ${pool} tasks rejected since the node started (${pct(p.rejected, p.rejected + p.completed)}% of ${p.rejected + p.completed}); a pool of ${p.size} thread${p.size === 1 ? '' : 's'}, queue ${p.queue} of ${p.queueSize}`,
          why: POOL_WHY[pool] ?? 'tasks refused by a full thread pool',
          fix: pool === 'write'
            ? 'fewer, larger bulk requests in flight (GATEWAY_MAX_IN_FLIGHT), primaries spread over more nodes (see skew), or more nodes; do not raise the queue size: it only moves the wait into the heap'
            : 'fewer concurrent searches (GATEWAY_SEARCH_MAX_IN_FLIGHT), fewer shards per search, or replicas on more nodes',
          figures: { rejected: p.rejected, completed: p.completed, threads: p.size, queue: p.queue, queueSize: p.queueSize },
        });
      }
      if (p.queueSize > 0 && pct(p.queue, p.queueSize) >= t.queueWarnPct) {
        findings.push({
          family: 'pressure', code: 'thread_pool_queue', severity: p.queue >= p.queueSize ? 'critical' : 'warning', subject,
          summary: `${pool} queue holds ${p.queue} of ${p.queueSize} tasks (${pct(p.queue, p.queueSize)}%), ${p.active} of ${p.size} threads busy`,
          why: `the node is behind right now; once the queue is full every new ${pool} task is rejected`,
          figures: { queue: p.queue, queueSize: p.queueSize, active: p.active, threads: p.size },
        });
      }
    }
    if (n.memoryPressurePct !== undefined && n.memoryPressurePct >= t.memoryPressureWarnPct) {
      findings.push({
        family: 'pressure', code: 'memory_pressure', severity: n.memoryPressurePct >= t.memoryPressureCriticalPct ? 'critical' : 'warning', subject: n.name,
        summary: `old generation at ${n.memoryPressurePct}% of the heap (heap ${n.heapUsedPct}% used)`,
        why: 'what survives young collections stays: above ~75% the node spends more and more time in garbage collection, and the parent circuit breaker starts refusing requests (at 95% of the heap by default)',
        fix: 'fewer shards and fields on the node (see sizing and mappings), less fielddata, or a larger heap (up to half the machine\'s memory, below 31 GB)',
        figures: { memoryPressurePct: n.memoryPressurePct, heapUsedPct: n.heapUsedPct },
      });
    }
    const tripped = Object.entries(n.breakerTrips).filter(([, trips]) => trips > 0);
    if (tripped.length > 0) {
      findings.push({
        family: 'pressure', code: 'breaker_trips', severity: 'warning', subject: n.name,
        summary: `circuit breakers tripped since the node started: ${tripped.map(([b, trips]) => `${b} ${trips}×`).join(', ')}`,
        why: 'each trip refused a request (429 circuit_breaking_exception) to keep the node from running out of heap: a bulk, a search or an aggregation failed',
        fix: 'see which breaker: `parent` — the heap is too full (memory pressure); `fielddata` — text fielddata; `request` — large aggregations; `inflight_requests` — bulk bodies too large (GATEWAY_BATCH_MAX_BYTES)',
        figures: Object.fromEntries(tripped),
      });
    }
  }
  findings.push(...unassigned(snapshot));
  return findings;
}

function unassigned(snapshot: ClusterSnapshot): Finding[] {
  const rows = snapshot.shards.filter((s) => s.state === 'UNASSIGNED');
  const primaries = snapshot.health.unassigned_primary_shards ?? rows.filter((s) => s.prirep === 'p').length;
  const total = snapshot.health.unassigned_shards;
  if (total === 0) return [];
  const indices = [...new Set(rows.map((s) => s.index))];
  const reasons = [...new Set(rows.map((s) => s['unassigned.reason']).filter((r): r is string => r !== null))];
  const a = snapshot.allocation;
  const deciders = [...new Set((a?.node_allocation_decisions ?? []).flatMap((d) => (d.deciders ?? []).map((x) => x.explanation)))];
  const explained = a === undefined ? '' : `; ${a.index}[${a.shard}] ${a.primary ? 'primary' : 'replica'}: ${deciders.length > 0 ? deciders.slice(0, 2).join('; ') : a.allocate_explanation ?? a.unassigned_info?.reason ?? ''}`;
  return [{
    family: 'pressure', code: 'unassigned_shards', severity: primaries > 0 ? 'critical' : 'warning', subject: 'cluster',
    summary: `${total} unassigned shards (${primaries} primaries) in ${indices.length} indices: ${indices.slice(0, 5).join(', ')}${indices.length > 5 ? ', …' : ''}; cluster ${snapshot.health.status}${reasons.length > 0 ? `; reasons: ${reasons.join(', ')}` : ''}${explained}`,
    why: primaries > 0
      ? 'an index with an unassigned primary cannot take writes for that shard: its bulk items fail (the gateway retries them, then dead-letters them) and searches miss its data'
      : 'a missing replica leaves one copy of the data: the next node loss loses it, and searches have fewer copies to spread over',
    fix: 'GET /_cluster/allocation/explain says why per shard (allocation filters no node matches, more replicas than nodes, disk watermarks, a lost node)',
    figures: { unassigned: total, unassignedPrimaries: primaries, indices: indices.length, ...(reasons.length > 0 ? { reasons: reasons.join(',') } : {}) },
  }];
}
