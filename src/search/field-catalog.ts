// The fields a stream's queries may name: flattened from its mappings (configured, or read from
// the cluster for dynamically mapped streams), each with what it supports. Pure.

/** What a field can do in a query: `text` is searched only; the others also sort and aggregate. */
export type FieldKind = 'text' | 'keyword' | 'numeric' | 'date' | 'boolean' | 'ip' | 'other';

export interface MappedField {
  /** The mapping type as Elasticsearch names it (`keyword`, `long`, `date`, …). */
  type: string;
  kind: FieldKind;
}

export type FieldCatalog = ReadonlyMap<string, MappedField>;

const KIND: Record<string, FieldKind> = {
  text: 'text', match_only_text: 'text',
  keyword: 'keyword', constant_keyword: 'keyword', wildcard: 'keyword',
  long: 'numeric', integer: 'numeric', short: 'numeric', byte: 'numeric', double: 'numeric', float: 'numeric',
  half_float: 'numeric', scaled_float: 'numeric', unsigned_long: 'numeric',
  date: 'date', date_nanos: 'date',
  boolean: 'boolean',
  ip: 'ip',
};

export function fieldKind(type: string): FieldKind {
  return KIND[type] ?? 'other';
}

/** Kinds a sort or an aggregation may use (doc values). */
export function sortable(field: MappedField): boolean {
  return field.kind === 'keyword' || field.kind === 'numeric' || field.kind === 'date' || field.kind === 'boolean';
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Adds the fields of a mapping's `properties` to `into` (objects flattened to dotted paths,
 * multi-fields as `field.sub`, aliases resolved to their target's type). A field already present
 * keeps its first type.
 */
export function addMappedFields(properties: unknown, into: Map<string, MappedField>, prefix = ''): Map<string, MappedField> {
  if (!isObject(properties)) return into;
  const aliases: [string, string][] = [];
  for (const [name, def] of Object.entries(properties)) {
    if (!isObject(def)) continue;
    const path = prefix + name;
    const type = typeof def.type === 'string' ? def.type : (isObject(def.properties) ? 'object' : 'object');
    if (type === 'alias' && typeof def.path === 'string') aliases.push([path, def.path]);
    else if (type !== 'object' && type !== 'nested' && !into.has(path)) into.set(path, { type, kind: fieldKind(type) });
    if (isObject(def.properties)) addMappedFields(def.properties, into, `${path}.`);
    if (isObject(def.fields)) {
      for (const [sub, subDef] of Object.entries(def.fields)) {
        if (isObject(subDef) && typeof subDef.type === 'string' && !into.has(`${path}.${sub}`)) into.set(`${path}.${sub}`, { type: subDef.type, kind: fieldKind(subDef.type) });
      }
    }
  }
  for (const [path, target] of aliases) {
    const t = into.get(target);
    if (t !== undefined && !into.has(path)) into.set(path, t);
  }
  return into;
}

/** The catalog of a stream's configured mappings; `@timestamp` is always a date. */
export function catalogFromMappings(mappings: Record<string, unknown> | undefined): Map<string, MappedField> {
  const out = new Map<string, MappedField>([['@timestamp', { type: 'date', kind: 'date' }]]);
  return addMappedFields(mappings?.properties, out);
}

/**
 * Whether `field` is allowed by a stream's `fields` list: listed itself, or a sub-field or
 * multi-field of a listed one (`message` allows `message.keyword`). No list allows all.
 */
export function fieldAllowed(field: string, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined || field === '@timestamp') return true;
  return allowed.some((a) => field === a || field.startsWith(`${a}.`));
}
