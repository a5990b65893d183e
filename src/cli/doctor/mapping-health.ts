// Mappings: indices left on `dynamic: true`, field counts near `index.mapping.total_fields.limit`,
// `text` fields with `fielddata` on, and fielddata memory per node. Pure: findings from a snapshot.
import type { ClusterSnapshot, FieldMapping, IndexMapping } from './cluster-snapshot.ts';
import { bytes, groupBy, groupSubject, indexFamily, isSystemIndex, pct, someOf, type Finding, type Thresholds } from './findings.ts';
import { streamOf, type GatewayStream } from './gateway-streams.ts';

/** Elasticsearch's default `index.mapping.total_fields.limit`. */
const DEFAULT_FIELD_LIMIT = 1000;

/**
 * Fields as Elasticsearch counts them against the limit: every object and leaf field, every
 * multi-field (`text` with its `.keyword`: two), every runtime field.
 */
export function fieldCount(mapping: IndexMapping): number {
  const count = (props: Record<string, FieldMapping> | undefined): number => Object.values(props ?? {})
    .reduce((total, f) => total + 1 + count(f.properties) + count(f.fields), 0);
  return count(mapping.properties) + Object.keys(mapping.runtime ?? {}).length;
}

/** `text` fields (dotted paths, multi-fields included) with `fielddata: true`. */
export function fielddataTextFields(mapping: IndexMapping): string[] {
  const found: string[] = [];
  const walk = (props: Record<string, FieldMapping> | undefined, prefix: string) => {
    for (const [name, f] of Object.entries(props ?? {})) {
      const path = `${prefix}${name}`;
      if (f.type === 'text' && (f.fielddata === true || f.fielddata === 'true')) found.push(path);
      walk(f.properties, `${path}.`);
      walk(f.fields, `${path}.`);
    }
  };
  walk(mapping.properties, '');
  return found;
}

const isDynamicTrue = (m: IndexMapping): boolean => m.dynamic === undefined || m.dynamic === true || m.dynamic === 'true';

function fieldLimit(snapshot: ClusterSnapshot, index: string): number {
  const s = snapshot.settings[index];
  const value = s?.settings?.['index.mapping.total_fields.limit'] ?? s?.defaults?.['index.mapping.total_fields.limit'];
  return value === undefined ? DEFAULT_FIELD_LIMIT : Number(value);
}

export function mappingFindings(snapshot: ClusterSnapshot, t: Thresholds, streams: readonly GatewayStream[] = []): Finding[] {
  const findings: Finding[] = [];
  const dynamicIndices: string[] = [];
  const fielddataIndices: { index: string; fields: string[] }[] = [];
  for (const [index, { mappings }] of Object.entries(snapshot.mappings).sort(([a], [b]) => a.localeCompare(b))) {
    if (isSystemIndex(index)) continue;
    const stream = streamOf(streams, index);
    const dynamic = isDynamicTrue(mappings);
    if (dynamic) dynamicIndices.push(index);
    const fielddata = fielddataTextFields(mappings);
    if (fielddata.length > 0) fielddataIndices.push({ index, fields: fielddata });
    // Field counts stay per index: each index has its own mapping and limit.
    const fields = fieldCount(mappings);
    const limit = fieldLimit(snapshot, index);
    const used = pct(fields, limit);
    if (used < t.fieldsWarnPct) continue;
    findings.push({
      family: 'mappings', code: 'field_count', severity: used >= t.fieldsCriticalPct ? 'critical' : 'warning', subject: index,
      summary: `${fields} fields of a limit of ${limit} (${used}%)${dynamic ? ', mapping dynamic: true' : ''}`,
      why: 'at the limit every document that brings a new field is refused (400: "Limit of total fields … has been exceeded"; the gateway dead-letters it); before it, each field costs heap on every node and grows the cluster state',
      fix: stream !== undefined && dynamic
        ? `${strictSetting(stream)} with a schema and mappings naming its fields ("false" keeps new keys in _source, unindexed)`
        : dynamic ? 'map the fields it needs and set `dynamic: strict` (or `false`) in its template; raising `index.mapping.total_fields.limit` only postpones it'
          : 'remove unused fields in the next index version; raising `index.mapping.total_fields.limit` costs heap',
      figures: { fields, limit, usedPct: used, dynamic: dynamic ? 'true' : String(mappings.dynamic) },
    });
  }
  // A stream's indices, or a family of dated indices, make one finding each.
  const owner = (index: string) => streamOf(streams, index)?.setting ?? indexFamily(index);
  for (const [key, indices] of groupBy(dynamicIndices, owner)) {
    const stream = streamOf(streams, indices[0] ?? '');
    findings.push({
      family: 'mappings', code: 'dynamic_mapping', severity: 'info', subject: stream?.setting ?? groupSubject(key, indices),
      summary: `dynamic: true on ${someOf(indices)}`,
      why: 'every new key in an event becomes a mapped field until the index hits its field limit; a stream of free-form keys (ids, timestamps as keys) gets there fast',
      fix: stream === undefined ? 'map its fields and set `dynamic: strict` or `false` in its template' : `${strictSetting(stream)} (with a schema and mappings), or "false"`,
      figures: { indices: indices.length },
    });
  }
  for (const [key, group] of groupBy(fielddataIndices, (f) => `${owner(f.index)} ${f.fields.join(',')}`)) {
    const indices = group.map((g) => g.index);
    const fields = group[0]?.fields ?? [];
    findings.push({
      family: 'mappings', code: 'text_fielddata', severity: 'warning', subject: streamOf(streams, indices[0] ?? '')?.setting ?? groupSubject(key.split(' ')[0] as string, indices),
      summary: `text fields with fielddata: true: ${fields.join(', ')}${indices.length === 1 ? '' : ` in ${someOf(indices)}`}`,
      why: 'sorting or aggregating on them loads every term of every segment into the heap (fielddata), held until evicted; one dashboard can fill a node\'s heap',
      fix: 'aggregate and sort on a `keyword` (sub)field and set `fielddata: false` (the default) in the next mapping version',
      figures: { fields: fields.join(','), indices: indices.length },
    });
  }
  findings.push(...fielddataMemory(snapshot, t));
  return findings;
}

/** The setting that makes a stream's mapping strict. */
function strictSetting(stream: GatewayStream): string {
  return stream.setting.startsWith('streams.') ? `${stream.setting}.dynamic: "strict"` : 'an entry for the stream in GATEWAY_CONFIG_FILE with "dynamic": "strict"';
}

function fielddataMemory(snapshot: ClusterSnapshot, t: Thresholds): Finding[] {
  const findings: Finding[] = [];
  for (const node of Object.values(snapshot.nodes)) {
    const fd = node.indices.fielddata;
    if (fd === undefined || fd.memory_size_in_bytes === 0) continue;
    const heap = node.jvm.mem.heap_max_in_bytes;
    const share = pct(fd.memory_size_in_bytes, heap);
    if (share < t.fielddataWarnPct) continue;
    const top = Object.entries(fd.fields ?? {}).sort(([, a], [, b]) => b.memory_size_in_bytes - a.memory_size_in_bytes).slice(0, 3);
    findings.push({
      family: 'mappings', code: 'fielddata_memory', severity: 'warning', subject: node.name,
      summary: `fielddata holds ${bytes(fd.memory_size_in_bytes)} (${share}% of a ${bytes(heap)} heap), ${fd.evictions} evictions${top.length > 0 ? `; largest: ${top.map(([f, v]) => `${f} ${bytes(v.memory_size_in_bytes)}`).join(', ')}` : ''}`,
      why: 'fielddata stays on the heap until evicted; with the fielddata breaker at 40% of the heap by default, searches that need more are refused, and what is held leaves less room for indexing',
      fix: 'aggregate on keyword fields (doc values) instead of text fields with fielddata, or clear it: POST /_cache/clear?fielddata=true',
      figures: { fielddataBytes: fd.memory_size_in_bytes, heapMaxBytes: heap, heapPct: share, evictions: fd.evictions },
    });
  }
  return findings;
}
