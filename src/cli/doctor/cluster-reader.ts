// The doctor's only I/O: reads a cluster's state and stats into a ClusterSnapshot, one request
// per API, each filtered to the fields the analysis uses (a large cluster's node stats and
// mappings run to megabytes otherwise).
import type { EsClient } from '../../sink/es-client.ts';
import type { ClusterSnapshot } from './cluster-snapshot.ts';

const NODE_FIELDS = [
  'name', 'roles', 'jvm.uptime_in_millis', 'jvm.mem.heap_used_in_bytes', 'jvm.mem.heap_used_percent',
  'jvm.mem.heap_max_in_bytes', 'jvm.mem.pools.old', 'breakers', 'indices.docs.count', 'indices.store.size_in_bytes',
  'indices.indexing.index_total', 'indices.indexing.index_time_in_millis', 'indices.search.query_total',
  'indices.search.query_time_in_millis', 'indices.fielddata',
].map((f) => `nodes.*.${f}`).join(',');

const SHARD_COLUMNS = 'index,shard,prirep,state,docs,store,node,unassigned.reason,indexing.index_total,indexing.index_time,search.query_total,search.query_time';

/** The requests the doctor makes, by the snapshot field each fills (README "Doctor" lists them). */
export const DOCTOR_REQUESTS = {
  health: '/_cluster/health',
  nodes: `/_nodes/stats/jvm,breaker,indices?fielddata_fields=*&filter_path=${NODE_FIELDS}`,
  threadPools: '/_cat/thread_pool/write,search?format=json&h=node_name,name,active,size,queue,queue_size,rejected,completed',
  shards: `/_cat/shards?format=json&bytes=b&time=ms&h=${SHARD_COLUMNS}`,
  mappings: '/_mapping',
  settings: '/_settings/index.mapping.total_fields.limit,index.number_of_shards,index.routing.allocation.require.*,index.routing.allocation.include.*,index.routing.allocation.exclude.*?include_defaults=true&flat_settings=true',
} as const;

const ALLOCATION_EXPLAIN = '/_cluster/allocation/explain?filter_path=index,shard,primary,current_state,unassigned_info.reason,unassigned_info.details,allocate_explanation,node_allocation_decisions.node_name,node_allocation_decisions.deciders.explanation';

export async function readCluster(es: EsClient): Promise<ClusterSnapshot> {
  const get = async <T>(path: string): Promise<T> => JSON.parse((await es.request({ method: 'GET', path })).body) as T;
  const [health, nodes, threadPools, shards, mappings, settings] = await Promise.all([
    get<ClusterSnapshot['health']>(DOCTOR_REQUESTS.health),
    get<{ nodes?: ClusterSnapshot['nodes'] }>(DOCTOR_REQUESTS.nodes),
    get<ClusterSnapshot['threadPools']>(DOCTOR_REQUESTS.threadPools),
    get<ClusterSnapshot['shards']>(DOCTOR_REQUESTS.shards),
    get<ClusterSnapshot['mappings']>(DOCTOR_REQUESTS.mappings),
    get<ClusterSnapshot['settings']>(DOCTOR_REQUESTS.settings),
  ]);
  const snapshot: ClusterSnapshot = { health, nodes: nodes.nodes ?? {}, threadPools, shards, mappings, settings };
  if (health.unassigned_shards > 0) {
    // Why the first unassigned shard stays so; optional: a 400 means it was assigned meanwhile.
    const explained = await es.request({ method: 'POST', path: ALLOCATION_EXPLAIN, body: '{}' }).catch(() => undefined);
    if (explained !== undefined) snapshot.allocation = JSON.parse(explained.body) as ClusterSnapshot['allocation'] & object;
  }
  return snapshot;
}
