// Per data node: shards, documents, bytes and indexing/search load, from a snapshot. Pure.
import type { ClusterSnapshot, NodeStats } from './cluster-snapshot.ts';
import { num } from './findings.ts';

export interface NodeLoad {
  name: string;
  /** Its data roles (`data`, or `data_hot,data_content`…): nodes are compared with those of the same. */
  dataRoles: string;
  shards: number;
  primaries: number;
  docs: number;
  storeBytes: number;
  /** Indexing time per second of uptime since the node started: ~ threads busy indexing on average. */
  indexingLoad: number;
  /** The same for the query phase of searches. */
  searchLoad: number;
  uptimeMs: number;
}

export const isDataNode = (n: NodeStats): boolean => n.roles.some((r) => r === 'data' || r.startsWith('data_'));

/**
 * The data nodes an index may use under its `_tier_preference`: those of the first tier in the
 * list that has any (a node with the generic `data` role is in every tier); every data node
 * without a preference. A hot index is judged against the hot nodes, not the warm ones.
 */
export function tierNodes(nodes: readonly NodeStats[], preference: string | undefined): string[] {
  const data = nodes.filter(isDataNode);
  for (const tier of (preference ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '')) {
    const inTier = data.filter((n) => n.roles.includes('data') || n.roles.includes(tier));
    if (inTier.length > 0) return inTier.map((n) => n.name).sort();
  }
  return data.map((n) => n.name).sort();
}

/** The shard copies that hold data on a node now (a relocating copy counts where it still is). */
export const placedShards = (snapshot: ClusterSnapshot) => snapshot.shards.filter((s) => s.node !== null && (s.state === 'STARTED' || s.state === 'RELOCATING'));

export function nodeLoads(snapshot: ClusterSnapshot): NodeLoad[] {
  const placed = placedShards(snapshot);
  return Object.values(snapshot.nodes).filter(isDataNode).map((n) => {
    const own = placed.filter((s) => s.node === n.name);
    const uptime = Math.max(1, n.jvm.uptime_in_millis);
    return {
      name: n.name,
      dataRoles: n.roles.filter((r) => r === 'data' || r.startsWith('data_')).sort().join(','),
      shards: own.length,
      primaries: own.filter((s) => s.prirep === 'p').length,
      docs: n.indices.docs?.count ?? own.reduce((t, s) => t + num(s.docs), 0),
      storeBytes: n.indices.store?.size_in_bytes ?? own.reduce((t, s) => t + num(s.store), 0),
      indexingLoad: (n.indices.indexing?.index_time_in_millis ?? 0) / uptime,
      searchLoad: (n.indices.search?.query_time_in_millis ?? 0) / uptime,
      uptimeMs: n.jvm.uptime_in_millis,
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

/** Coefficient of variation (population standard deviation over the mean); 0 for an empty or all-zero list. */
export function coefficientOfVariation(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (mean === 0) return 0;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return Math.sqrt(variance) / mean;
}

/**
 * The coefficient of variation of the most even placement of `copies` equal shard copies on
 * `nodes` nodes: the least skew an index can have (one shard on three nodes cannot spread).
 */
export function evenSpreadVariation(copies: number, nodes: number): number {
  if (copies <= 0 || nodes <= 0) return 0;
  const base = Math.floor(copies / nodes);
  const extra = copies % nodes;
  return coefficientOfVariation([...Array<number>(extra).fill(base + 1), ...Array<number>(nodes - extra).fill(base)]);
}
