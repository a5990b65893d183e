// Shard skew: how unevenly an index's data and load sit across the data nodes, and the nodes
// that carry more than their share of the cluster's. Pure: findings from a snapshot.
import type { ClusterSnapshot } from './cluster-snapshot.ts';
import { bytes, groupBy, isSystemIndex, num, pct, round2, type Finding, type Thresholds } from './findings.ts';
import { coefficientOfVariation, evenSpreadVariation, nodeLoads, placedShards, tierNodes, type NodeLoad } from './node-loads.ts';

const DIMENSIONS = ['store', 'docs', 'indexing', 'search'] as const;
type Dimension = (typeof DIMENSIONS)[number];

export interface IndexSkew {
  index: string;
  copies: number;
  storeBytes: number;
  /** Per data node of its tier (every one, zeros included): the index's bytes, docs, indexing and search time there. */
  perNode: Record<string, Record<Dimension, number>>;
  /** Coefficient of variation across the data nodes, per dimension that has any. */
  variation: Partial<Record<Dimension, number>>;
  /** That of an even placement of its copies. */
  evenVariation: number;
  /** The worst dimension's variation above the even one: the index's skew coefficient. */
  skew: number;
  worst: Dimension | undefined;
}

export function indexSkews(snapshot: ClusterSnapshot): IndexSkew[] {
  const byIndex = new Map<string, ReturnType<typeof placedShards>>();
  for (const s of placedShards(snapshot)) {
    if (isSystemIndex(s.index)) continue;
    byIndex.set(s.index, [...(byIndex.get(s.index) ?? []), s]);
  }
  return [...byIndex].map(([index, shards]) => {
    const nodes = tierNodes(Object.values(snapshot.nodes), snapshot.settings[index]?.settings?.['index.routing.allocation.include._tier_preference']);
    const perNode = Object.fromEntries(nodes.map((n) => [n, { store: 0, docs: 0, indexing: 0, search: 0 }]));
    for (const s of shards) {
      const at = perNode[s.node as string];
      if (at === undefined) continue; // a copy outside its tier (moving there) or on a node that left
      at.store += num(s.store);
      at.docs += num(s.docs);
      at.indexing += num(s['indexing.index_time']);
      at.search += num(s['search.query_time']);
    }
    const evenVariation = evenSpreadVariation(shards.length, nodes.length);
    const variation: IndexSkew['variation'] = {};
    let skew = 0;
    let worst: Dimension | undefined;
    for (const d of DIMENSIONS) {
      const values = nodes.map((n) => perNode[n]?.[d] ?? 0);
      if (values.every((v) => v === 0)) continue;
      const cv = round2(coefficientOfVariation(values));
      variation[d] = cv;
      if (cv - evenVariation > skew) { skew = cv - evenVariation; worst = d; }
    }
    return { index, copies: shards.length, storeBytes: shards.reduce((t, s) => t + num(s.store), 0), perNode, variation, evenVariation: round2(evenVariation), skew: round2(skew), worst };
  }).sort((a, b) => a.index.localeCompare(b.index));
}

/** The index's allocation filters (`index.routing.allocation.require._name=…`): the likely cause of a skew. */
function allocationFilters(snapshot: ClusterSnapshot, index: string): string[] {
  const settings = snapshot.settings[index]?.settings ?? {};
  return Object.entries(settings)
    .filter(([k]) => /^index\.routing\.allocation\.(require|include|exclude)\./.test(k) && !k.endsWith('._tier_preference'))
    .map(([k, v]) => `${k}=${v}`);
}

export function skewFindings(snapshot: ClusterSnapshot, t: Thresholds): Finding[] {
  const findings: Finding[] = [];
  for (const s of indexSkews(snapshot)) {
    if (s.storeBytes < t.skewMinBytes || s.skew <= t.skewMax || s.worst === undefined) continue;
    const filters = allocationFilters(snapshot, s.index);
    const onNodes = Object.entries(s.perNode).filter(([, v]) => v.store > 0 || v.docs > 0).map(([n]) => n);
    findings.push({
      family: 'skew',
      code: 'index_skew',
      severity: 'warning',
      subject: s.index,
      summary: `skew ${s.skew}: its ${s.worst} varies by ${s.variation[s.worst]} across ${Object.keys(s.perNode).length} data nodes, where an even spread of its ${s.copies} shard copies would vary by ${s.evenVariation}; ${bytes(s.storeBytes)} on ${onNodes.join(', ')}`,
      why: 'the nodes holding most of this index do most of its indexing and searching: they run hot (queues, rejections, heap) while the others idle, and losing one of them hurts more',
      fix: filters.length > 0
        ? `allocation filters confine it: ${filters.join(', ')} — remove them (or widen them) so the shards can spread`
        : 'more primary shards (a multiple of the data nodes) or `index.routing.allocation.total_shards_per_node` let it spread; uneven shard sizes come from custom routing',
      figures: {
        skew: s.skew,
        dimension: s.worst,
        variation: s.variation[s.worst] ?? 0,
        evenVariation: s.evenVariation,
        copies: s.copies,
        storeBytes: s.storeBytes,
        nodes: onNodes.join(','),
        ...(filters.length > 0 ? { allocationFilters: filters.join(',') } : {}),
      },
    });
  }
  // Nodes are compared with the nodes of their tier: warm nodes hold more and index less by design.
  for (const tier of groupBy(nodeLoads(snapshot), (n) => n.dataRoles).values()) findings.push(...nodeAboveMean(tier, t));
  return findings;
}

const NODE_DIMENSIONS: [keyof NodeLoad, string][] = [['shards', 'shards'], ['storeBytes', 'store'], ['indexingLoad', 'indexing load'], ['searchLoad', 'search load']];

function nodeAboveMean(nodes: NodeLoad[], t: Thresholds): Finding[] {
  const totalStore = nodes.reduce((a, n) => a + n.storeBytes, 0);
  if (nodes.length < 2 || totalStore < t.skewMinBytes) return [];
  const findings: Finding[] = [];
  for (const n of nodes) {
    const above: string[] = [];
    const figures: Record<string, number> = {};
    for (const [key, label] of NODE_DIMENSIONS) {
      const mean = nodes.reduce((a, m) => a + (m[key] as number), 0) / nodes.length;
      const value = n[key] as number;
      if (mean <= 0) continue;
      const over = pct(value - mean, mean);
      if (over > t.nodeAboveMeanPct) {
        const show = (v: number) => (key === 'storeBytes' ? bytes(v) : Number(v.toPrecision(2)).toString());
        above.push(`${label} ${show(value)} is ${over}% above the mean ${show(mean)}`);
        figures[`${key}AboveMeanPct`] = over;
      }
    }
    if (above.length === 0) continue;
    findings.push({
      family: 'skew',
      code: 'node_above_mean',
      severity: 'warning',
      subject: n.name,
      summary: above.join('; '),
      why: 'one node doing more than its share saturates first: its heap, disk and thread pools decide when the whole cluster pushes back',
      fix: 'find the indices behind it in the per-index skew findings; shard counts that divide evenly by the data nodes spread best',
      figures: { shards: n.shards, storeBytes: n.storeBytes, indexingLoad: round2(n.indexingLoad), searchLoad: round2(n.searchLoad), ...figures },
    });
  }
  return findings;
}
