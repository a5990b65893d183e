// Field paths of mappings and events, for the mapping-explosion watch. Pure.
import { flattenMapping } from './mapping-diff.ts';

/**
 * Fields of a mapping as Elasticsearch counts them against `index.mapping.total_fields.limit`:
 * every object and leaf, every multi-field, every runtime field.
 */
export function countMappingFields(mappings: Record<string, unknown> | undefined): number {
  let n = 0;
  for (const f of flattenMapping(mappings).values()) {
    n++;
    const multi = f.params.fields;
    if (typeof multi === 'object' && multi !== null) n += Object.keys(multi).length;
  }
  const runtime = mappings?.runtime;
  if (typeof runtime === 'object' && runtime !== null) n += Object.keys(runtime).length;
  return n;
}

/** The dotted paths (objects and leaves) a mapping has: what maxFields counts. */
export function mappedPaths(mappings: Record<string, unknown> | undefined): Set<string> {
  return new Set(flattenMapping(mappings).keys());
}

/**
 * The paths (objects and leaves, as a dynamic mapping would add them) of an event not among
 * `known`. Arrays add no path of their own: their objects' fields are the array field's.
 * A dotted key ("http.status") is the path it names, as Elasticsearch reads it.
 */
export function newPaths(event: unknown, known: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      for (const v of value) walk(v, path);
      return;
    }
    if (path !== '' && !known.has(path)) out.add(path);
    if (typeof value !== 'object' || value === null) return;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const segments = key.split('.');
      let p = path;
      // Each segment of a dotted key is an object on the way, but the last.
      for (let i = 0; i < segments.length - 1; i++) {
        p = p === '' ? segments[i] as string : `${p}.${segments[i]}`;
        if (!known.has(p)) out.add(p);
      }
      const last = segments[segments.length - 1] as string;
      walk(v, p === '' ? last : `${p}.${last}`);
    }
  };
  walk(event, '');
  return [...out];
}
