// scripts/elasticsearch-cluster.ts — several throwaway Elasticsearch nodes forming one cluster
// on loopback (elasticsearch-node.ts runs each), for the failover tests. Node >= 24 runs it
// directly; node: built-ins only. Three nodes with 512 MB heaps take ~750 MB RSS each.
import { freePorts, startElasticsearch, type ElasticsearchNode } from './elasticsearch-node.ts';

export interface ClusterOptions {
  size?: number;
  heapMb?: number;
  jvmOptions?: string[];
  version?: string;
  name?: string;
  /** HTTP ports basePort…basePort+size-1, transport ports the next `size` (free ones otherwise). */
  basePort?: number;
  /** Extra `-E` settings of node i (e.g. a tiny write thread pool on one node). */
  settings?: (index: number) => Record<string, string>;
}

export interface ElasticsearchCluster {
  nodes: ElasticsearchNode[];
  /** node.name of each node, in the order of `nodes`. */
  names: string[];
  urls: string[];
  /** The elected master's node.name (GET /_cat/master on a node that answers). */
  master(): Promise<string>;
  stop(): Promise<void>;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<ElasticsearchCluster> {
  const size = opts.size ?? 3;
  const clusterName = opts.name ?? `es-gateway-test-${process.pid}`;
  const ports = opts.basePort === undefined ? await freePorts(2 * size) : Array.from({ length: 2 * size }, (_, i) => (opts.basePort as number) + i);
  const names = Array.from({ length: size }, (_, i) => `${clusterName}-${i}`);
  const transport = names.map((_, i) => ports[size + i] as number);
  const cluster = { name: clusterName, seedHosts: transport.map((p) => `127.0.0.1:${p}`), initialMasterNodes: names };
  // Started together: each node waits for a quorum of the initial masters before it is ready.
  const started = await Promise.allSettled(names.map((name, i) => startElasticsearch({
    name,
    port: ports[i] as number,
    transportPort: transport[i] as number,
    cluster,
    ...(opts.settings === undefined ? {} : { settings: opts.settings(i) }),
    ...(opts.heapMb === undefined ? {} : { heapMb: opts.heapMb }),
    ...(opts.jvmOptions === undefined ? {} : { jvmOptions: opts.jvmOptions }),
    ...(opts.version === undefined ? {} : { version: opts.version }),
  })));
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return {
    nodes,
    names,
    urls: nodes.map((n) => n.url),
    async master() {
      for (const n of nodes) {
        try {
          const res = await fetch(`${n.url}/_cat/master?h=node`, { signal: AbortSignal.timeout(5000) });
          if (res.ok) return (await res.text()).trim();
        } catch {
          // that node is down: ask the next
        }
      }
      throw new Error('no node of the cluster answers /_cat/master');
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
