// What the cluster holds for one configured stream: its template (mappings and version) and its
// current write index with that index's mappings. Read by the mapping commands and the watch.
import type { GatewayConfig } from '../config/config.ts';
import type { StreamConfig } from '../config/streams.ts';
import { EsRequestError, type EsClient } from '../sink/es-client.ts';
import { streamTemplateName, writeTargetOf, type IndexTemplate, type WriteTarget } from '../sink/index-templates.ts';
import { indexPatternGlob, indexPatternRegExp } from '../model/index-pattern.ts';

export interface StreamState {
  stream: string;
  target: WriteTarget;
  /** The name the gateway writes to: the data stream, the alias, or the dated indices' glob. */
  writeName: string;
  templateName: string;
  /** The template in the cluster; undefined when there is none. */
  template: IndexTemplate['body'] | undefined;
  /** The index new events go to now; undefined while there is none. */
  writeIndex: string | undefined;
  writeIndexMappings: Record<string, unknown> | undefined;
  /** A data stream's or an alias's name that is a concrete index (made before): breaking changes cannot switch it. */
  concreteIndex: boolean;
  /** Indices behind the alias (alias streams), oldest first. */
  aliasIndices: string[];
}

/** GET that answers undefined on 404. */
export async function getOrUndefined(es: EsClient, path: string): Promise<unknown> {
  try {
    return JSON.parse((await es.request({ method: 'GET', path })).body) as unknown;
  } catch (err) {
    if (err instanceof EsRequestError && err.statusCode === 404) return undefined;
    throw err;
  }
}

interface Resolved {
  indices: { name: string; aliases?: string[] }[];
  aliases: { name: string; indices: string[] }[];
  data_streams: { name: string; backing_indices: string[] }[];
}

/** `_resolve/index` (in the server, unlike the data stream admin APIs the test node lacks). */
export async function resolveIndex(es: EsClient, name: string): Promise<Resolved> {
  const r = await getOrUndefined(es, `/_resolve/index/${encodeURIComponent(name)}?expand_wildcards=open`) as Partial<Resolved> | undefined;
  return { indices: r?.indices ?? [], aliases: r?.aliases ?? [], data_streams: r?.data_streams ?? [] };
}

/** The backing indices of a data stream, oldest first; empty while it does not exist. */
export async function backingIndices(es: EsClient, dataStream: string): Promise<string[]> {
  return (await resolveIndex(es, dataStream)).data_streams.find((d) => d.name === dataStream)?.backing_indices ?? [];
}

/** The write index of an alias: the one flagged, or the only one. */
async function aliasWriteIndex(es: EsClient, alias: string): Promise<{ write: string | undefined; all: string[] }> {
  const r = await getOrUndefined(es, `/_alias/${encodeURIComponent(alias)}`) as Record<string, { aliases: Record<string, { is_write_index?: boolean }> }> | undefined;
  const all = Object.keys(r ?? {}).sort(byVersion);
  const flagged = all.find((i) => r?.[i]?.aliases[alias]?.is_write_index === true);
  return { write: flagged ?? (all.length === 1 ? all[0] : undefined), all };
}

/** Orders `name-v2` before `name-v10`. */
export function byVersion(a: string, b: string): number {
  const va = /-v(\d+)$/.exec(a)?.[1];
  const vb = /-v(\d+)$/.exec(b)?.[1];
  if (va !== undefined && vb !== undefined && a.slice(0, -va.length) === b.slice(0, -vb.length)) return Number(va) - Number(vb);
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function readStreamState(es: EsClient, config: GatewayConfig, s: StreamConfig): Promise<StreamState> {
  const target = writeTargetOf(s, config.defaultIndexPattern);
  const writeName = indexPatternGlob(s.index ?? config.defaultIndexPattern, s.name);
  const templateName = streamTemplateName(s, config.defaultIndexPattern);
  const found = await getOrUndefined(es, `/_index_template/${encodeURIComponent(templateName)}`) as { index_templates?: { index_template: IndexTemplate['body'] }[] } | undefined;
  const template = found?.index_templates?.[0]?.index_template;
  let writeIndex: string | undefined;
  let concreteIndex = false;
  let aliasIndices: string[] = [];
  if (target === 'data_stream') {
    const r = await resolveIndex(es, writeName);
    // An index of that name made before the stream was a data stream takes its writes instead.
    concreteIndex = r.indices.some((i) => i.name === writeName);
    writeIndex = concreteIndex ? writeName : r.data_streams.find((d) => d.name === writeName)?.backing_indices.at(-1);
  } else if (target === 'alias') {
    const r = await resolveIndex(es, writeName);
    if (r.indices.some((i) => i.name === writeName)) {
      concreteIndex = true;
      writeIndex = writeName;
    } else if (r.aliases.length > 0) {
      const a = await aliasWriteIndex(es, writeName);
      writeIndex = a.write;
      aliasIndices = a.all;
    }
  } else {
    // Dated indices: the stream's own (the glob matches other streams' too), the newest by name
    // (the date formats sort as they read) is today's.
    const own = indexPatternRegExp(s.index ?? config.defaultIndexPattern, s.name);
    writeIndex = (await resolveIndex(es, writeName)).indices.map((i) => i.name).filter((n) => own.test(n)).sort().at(-1);
  }
  let writeIndexMappings: Record<string, unknown> | undefined;
  if (writeIndex !== undefined) {
    const m = await getOrUndefined(es, `/${encodeURIComponent(writeIndex)}/_mapping`) as Record<string, { mappings: Record<string, unknown> }> | undefined;
    writeIndexMappings = m?.[writeIndex]?.mappings;
  }
  return { stream: s.name, target, writeName, templateName, template, writeIndex, writeIndexMappings, concreteIndex, aliasIndices };
}
