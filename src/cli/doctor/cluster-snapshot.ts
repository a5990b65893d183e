// What the doctor reads from a cluster: the answers of the cluster APIs it calls, kept as
// Elasticsearch sends them (only the fields it uses are typed, and the reader asks for only
// those). The analysis modules are pure functions of one snapshot; unit tests feed them
// snapshots captured from real nodes.

/** GET /_cluster/health */
export interface ClusterHealth {
  cluster_name: string;
  status: 'green' | 'yellow' | 'red';
  number_of_nodes: number;
  number_of_data_nodes: number;
  active_primary_shards: number;
  active_shards: number;
  relocating_shards: number;
  initializing_shards: number;
  unassigned_shards: number;
  /** Since 8.16; counted from the shards table on older nodes. */
  unassigned_primary_shards?: number;
}

export interface BreakerStats {
  limit_size_in_bytes: number;
  estimated_size_in_bytes: number;
  tripped: number;
}

/** One node of GET /_nodes/stats/jvm,breaker,indices (filtered). */
export interface NodeStats {
  name: string;
  roles: string[];
  jvm: {
    uptime_in_millis: number;
    mem: {
      heap_used_in_bytes: number;
      heap_used_percent: number;
      heap_max_in_bytes: number;
      pools?: { old?: { used_in_bytes: number; max_in_bytes: number } };
    };
  };
  breakers?: Record<string, BreakerStats>;
  indices: {
    docs?: { count: number };
    store?: { size_in_bytes: number };
    indexing?: { index_total: number; index_time_in_millis: number };
    search?: { query_total: number; query_time_in_millis: number };
    fielddata?: { memory_size_in_bytes: number; evictions: number; fields?: Record<string, { memory_size_in_bytes: number }> };
  };
}

/** One row of GET /_cat/thread_pool/write,search?format=json (numbers come as strings). */
export interface ThreadPoolRow {
  node_name: string;
  name: string;
  active: string;
  size: string;
  queue: string;
  queue_size: string;
  rejected: string;
  completed: string;
}

/** One row of GET /_cat/shards?format=json&bytes=b&time=ms (numbers as strings, null when unassigned). */
export interface ShardRow {
  index: string;
  shard: string;
  prirep: 'p' | 'r';
  state: 'STARTED' | 'INITIALIZING' | 'RELOCATING' | 'UNASSIGNED';
  docs: string | null;
  store: string | null;
  node: string | null;
  'unassigned.reason': string | null;
  'indexing.index_total': string | null;
  'indexing.index_time': string | null;
  'search.query_total': string | null;
  'search.query_time': string | null;
}

/** A mapping as GET /_mapping returns it under `<index>.mappings`. */
export interface IndexMapping {
  dynamic?: string | boolean;
  properties?: Record<string, FieldMapping>;
  runtime?: Record<string, unknown>;
}

export interface FieldMapping {
  type?: string;
  fielddata?: boolean | string;
  dynamic?: string | boolean;
  properties?: Record<string, FieldMapping>;
  fields?: Record<string, FieldMapping>;
}

/** GET /_settings/...?include_defaults=true&flat_settings=true, per index. */
export interface IndexSettings {
  settings?: Record<string, string>;
  defaults?: Record<string, string>;
}

/** POST /_cluster/allocation/explain (the first unassigned shard), when there is one. */
export interface AllocationExplanation {
  index: string;
  shard: number;
  primary: boolean;
  current_state: string;
  unassigned_info?: { reason: string; details?: string };
  allocate_explanation?: string;
  /** Per node, the deciders that said no (e.g. an allocation filter no node matches). */
  node_allocation_decisions?: { node_name: string; deciders?: { explanation: string }[] }[];
}

export interface ClusterSnapshot {
  health: ClusterHealth;
  nodes: Record<string, NodeStats>;
  threadPools: ThreadPoolRow[];
  shards: ShardRow[];
  mappings: Record<string, { mappings: IndexMapping }>;
  settings: Record<string, IndexSettings>;
  allocation?: AllocationExplanation;
}
