// The differences between the mappings a stream should have (its streams file) and those the
// cluster has (its template, its write index), each classified. Pure.
//
// added              a field the file has and the cluster not: compatible (put mapping adds it)
// type_changed       breaking: an index cannot change a field's type
// parameter_changed  breaking: most parameters cannot change on an existing field
// dynamic_changed    `dynamic` of the root or an object: compatible (it can be updated)
// removed            a field only the template has (an index keeps its fields): compatible for
//                    the template; never reported against an index, whose extra fields are
//                    the ones `dynamic` added

import { canonicalJson } from './canonical-json.ts';

export type DifferenceKind = 'added' | 'type_changed' | 'parameter_changed' | 'dynamic_changed' | 'removed';

export interface MappingDifference {
  kind: DifferenceKind;
  /** Dotted field path; "" for the root. */
  path: string;
  against: 'template' | 'write_index';
  breaking: boolean;
  before?: unknown;
  after?: unknown;
}

interface FlatField {
  /** The field's parameters without its sub-properties. */
  params: Record<string, unknown>;
  isObject: boolean;
}

/** Every field of a mapping by dotted path: objects (with their `dynamic`, `type`) and leaves. */
export function flattenMapping(mappings: Record<string, unknown> | undefined): Map<string, FlatField> {
  const out = new Map<string, FlatField>();
  const walk = (properties: unknown, prefix: string) => {
    if (typeof properties !== 'object' || properties === null) return;
    for (const [name, def] of Object.entries(properties as Record<string, unknown>)) {
      if (typeof def !== 'object' || def === null) continue;
      const path = prefix === '' ? name : `${prefix}.${name}`;
      const { properties: sub, ...params } = def as Record<string, unknown>;
      const isObject = sub !== undefined || params.type === 'object' || params.type === 'nested';
      out.set(path, { params: normalise(params), isObject });
      if (sub !== undefined) walk(sub, path);
    }
  };
  walk(mappings?.properties, '');
  return out;
}

/** `dynamic` as a string (Elasticsearch answers "true"; a file may say true). */
function normalise(params: Record<string, unknown>): Record<string, unknown> {
  return params.dynamic === undefined ? params : { ...params, dynamic: String(params.dynamic) };
}

const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

export function diffMappings(desired: Record<string, unknown> | undefined, actual: Record<string, unknown> | undefined, against: 'template' | 'write_index'): MappingDifference[] {
  const out: MappingDifference[] = [];
  const wantDynamic = desired?.dynamic === undefined ? undefined : String(desired.dynamic);
  const haveDynamic = actual?.dynamic === undefined ? 'true' : String(actual.dynamic);
  if (wantDynamic !== undefined && wantDynamic !== haveDynamic) out.push({ kind: 'dynamic_changed', path: '', against, breaking: false, before: haveDynamic, after: wantDynamic });
  const want = flattenMapping(desired);
  const have = flattenMapping(actual);
  for (const [path, w] of want) {
    const h = have.get(path);
    if (h === undefined) {
      out.push({ kind: 'added', path, against, breaking: false, after: w.params });
      continue;
    }
    const { dynamic: wd, ...wRest } = w.params;
    const { dynamic: hd, ...hRest } = h.params;
    const wType = wRest.type ?? (w.isObject ? 'object' : undefined);
    const hType = hRest.type ?? (h.isObject ? 'object' : undefined);
    if (wType !== hType) {
      out.push({ kind: 'type_changed', path, against, breaking: true, before: h.params, after: w.params });
      continue;
    }
    if (wd !== undefined && wd !== (hd ?? 'true')) out.push({ kind: 'dynamic_changed', path, against, breaking: false, before: hd ?? 'true', after: wd });
    delete wRest.type;
    delete hRest.type;
    if (!same(wRest, hRest)) out.push({ kind: 'parameter_changed', path, against, breaking: true, before: h.params, after: w.params });
  }
  if (against === 'template') {
    for (const [path, h] of have) {
      if (!want.has(path)) out.push({ kind: 'removed', path, against, breaking: false, before: h.params });
    }
  }
  return out;
}

/** One line per difference, for people. */
export function describeDifference(d: MappingDifference): string {
  const field = d.path === '' ? '(root)' : d.path;
  const where = d.against === 'template' ? 'template' : 'write index';
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  switch (d.kind) {
    case 'added': return `${where}: + ${field} ${show(d.after)} (compatible)`;
    case 'removed': return `${where}: - ${field} ${show(d.before)} (compatible: only new indices lose it)`;
    case 'dynamic_changed': return `${where}: ~ ${field} dynamic ${show(d.before)} → ${show(d.after)} (compatible)`;
    case 'type_changed': return `${where}: ! ${field} ${show(d.before)} → ${show(d.after)} (breaking: type changed)`;
    default: return `${where}: ! ${field} ${show(d.before)} → ${show(d.after)} (breaking: parameter changed)`;
  }
}
