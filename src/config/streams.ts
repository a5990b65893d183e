// The optional stream file: per-stream index pattern, JSON Schema, mappings and settings.
//
// { "streams": { "orders": { "index": "orders-{yyyy.MM}", "schema": {...},
//                            "mappings": { "properties": {...} }, "settings": {...},
//                            "dynamic": "strict", "search": {...},
//                            "dataStream": false, "lifecycle": {...}, "maxFields": 500 } } }
import { parseStreamSearch, type StreamSearchConfig } from './stream-search.ts';
import { parseStreamLifecycle, type StreamLifecycle } from './stream-lifecycle.ts';

export type DynamicMapping = 'strict' | 'true' | 'false' | 'runtime';

export interface StreamConfig {
  name: string;
  /** Index pattern; undefined means the default GATEWAY_INDEX_PATTERN. */
  index: string | undefined;
  schema: Record<string, unknown> | undefined;
  mappings: Record<string, unknown> | undefined;
  settings: Record<string, unknown> | undefined;
  dynamic: DynamicMapping;
  /** What searches of the stream may do (config/stream-search.ts). */
  search: StreamSearchConfig;
  /** Writes go to a data stream named by `index` (no date tokens) instead of to dated indices. */
  dataStream: boolean;
  /** Rollover and retention of the data stream (src/governance/lifecycle-policy.ts). */
  lifecycle: StreamLifecycle | undefined;
  /** Most fields the stream's mapping may have: an event that would add more is dead-lettered. */
  maxFields: number | undefined;
}

export const STREAM_NAME = /^[a-z0-9][a-z0-9_-]{0,99}$/;
const DYNAMIC: readonly string[] = ['strict', 'true', 'false', 'runtime'];

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function parseStreams(file: unknown, problems: string[]): Map<string, StreamConfig> {
  const out = new Map<string, StreamConfig>();
  if (!isObject(file) || !isObject(file.streams)) {
    problems.push('config file must be an object with a "streams" object');
    return out;
  }
  for (const [name, raw] of Object.entries(file.streams)) {
    const where = `streams.${name}`;
    if (!STREAM_NAME.test(name)) problems.push(`${where}: stream names are lowercase letters, digits, "_" and "-" (at most 100)`);
    if (!isObject(raw)) { problems.push(`${where} must be an object`); continue; }
    const { index, schema, mappings, settings, dynamic, search, dataStream, lifecycle, maxFields } = raw;
    if (index !== undefined && (typeof index !== 'string' || index.length === 0)) problems.push(`${where}.index must be a non-empty string`);
    for (const [k, val] of Object.entries({ schema, mappings, settings })) {
      if (val !== undefined && !isObject(val)) problems.push(`${where}.${k} must be an object`);
    }
    const dyn = dynamic === undefined ? (schema === undefined ? 'true' : 'strict') : String(dynamic);
    if (!DYNAMIC.includes(dyn)) problems.push(`${where}.dynamic must be one of ${DYNAMIC.join(', ')}`);
    if (dataStream !== undefined && typeof dataStream !== 'boolean') problems.push(`${where}.dataStream must be true or false`);
    if (lifecycle !== undefined && dataStream !== true) problems.push(`${where}.lifecycle needs "dataStream": true (dated indices are kept by their own tooling)`);
    if (maxFields !== undefined && (typeof maxFields !== 'number' || !Number.isSafeInteger(maxFields) || maxFields < 1)) problems.push(`${where}.maxFields must be a whole number (at least 1)`);
    out.set(name, {
      name,
      index: typeof index === 'string' ? index : undefined,
      schema: isObject(schema) ? schema : undefined,
      mappings: isObject(mappings) ? mappings : undefined,
      settings: isObject(settings) ? settings : undefined,
      dynamic: dyn as DynamicMapping,
      search: parseStreamSearch(search, `${where}.search`, problems),
      dataStream: dataStream === true,
      lifecycle: parseStreamLifecycle(lifecycle, `${where}.lifecycle`, problems),
      maxFields: typeof maxFields === 'number' ? maxFields : undefined,
    });
  }
  return out;
}
