// The mapping-explosion watch: every GATEWAY_FIELD_WATCH_INTERVAL_MS, each configured stream's
// write index — its field count against `index.mapping.total_fields.limit` (metrics, and a
// warning when it reaches 80%) and its mapped paths for maxFields (field-budget.ts).
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayConfig } from '../config/config.ts';
import type { EsClient } from '../sink/es-client.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { FieldBudgets } from './field-budget.ts';
import { countMappingFields, mappedPaths } from './field-paths.ts';
import { getOrUndefined, readStreamState } from './stream-state.ts';

export const WARN_SHARE = 0.8;

export interface StreamFields {
  stream: string;
  writeIndex: string;
  fields: number;
  limit: number;
}

async function totalFieldsLimit(es: EsClient, index: string): Promise<number> {
  const r = await getOrUndefined(es, `/${encodeURIComponent(index)}/_settings/index.mapping.total_fields.limit?include_defaults=true&flat_settings=true`) as Record<string, { settings?: Record<string, string>; defaults?: Record<string, string> }> | undefined;
  const v = r?.[index];
  return Number(v?.settings?.['index.mapping.total_fields.limit'] ?? v?.defaults?.['index.mapping.total_fields.limit'] ?? 1000);
}

/** One read of every configured stream; feeds the metrics (streams with a write index) and the budgets. */
export async function watchFieldsOnce(es: EsClient, config: GatewayConfig, metrics: Metrics, budgets: FieldBudgets): Promise<StreamFields[]> {
  const out: StreamFields[] = [];
  for (const s of config.streams.values()) {
    const state = await readStreamState(es, config, s);
    if (state.writeIndex === undefined) {
      // No index yet: the first one will have the template's fields.
      budgets.setKnown(s.name, mappedPaths(state.template?.template.mappings));
      continue;
    }
    const limit = await totalFieldsLimit(es, state.writeIndex);
    const fields = countMappingFields(state.writeIndexMappings);
    metrics.streamFields.set({ stream: s.name }, fields);
    metrics.streamFieldsLimit.set({ stream: s.name }, limit);
    budgets.setKnown(s.name, mappedPaths(state.writeIndexMappings));
    out.push({ stream: s.name, writeIndex: state.writeIndex, fields, limit });
  }
  return out;
}

/** The `dynamic` of each configured stream, in /metrics from the start. */
export function publishDynamic(config: GatewayConfig, metrics: Metrics): void {
  for (const s of config.streams.values()) metrics.streamDynamic.set({ stream: s.name, dynamic: s.dynamic }, 1);
}

/** Runs the watch now and on a timer; warns once each time a stream reaches 80% of its limit. */
export function startFieldWatch(es: EsClient, config: GatewayConfig, metrics: Metrics, budgets: FieldBudgets, log: FastifyBaseLogger): { stop(): void; readonly firstRead: Promise<void> } {
  const warned = new Set<string>();
  let running = false;
  const pass = async () => {
    if (running) return;
    running = true;
    try {
      for (const f of await watchFieldsOnce(es, config, metrics, budgets)) {
        const high = f.fields >= WARN_SHARE * f.limit;
        if (high && !warned.has(f.stream)) log.warn({ stream: f.stream, index: f.writeIndex, fields: f.fields, limit: f.limit }, `stream ${f.stream}: its mapping has ${f.fields} fields, ${Math.round((100 * f.fields) / f.limit)}% of index.mapping.total_fields.limit (${f.limit}); past the limit Elasticsearch refuses events with new fields: set dynamic or maxFields`);
        if (high) warned.add(f.stream);
        else warned.delete(f.stream);
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'field watch: reading the streams\' mappings failed; trying again at the next interval');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void pass(), config.governance.fieldWatchIntervalMs).unref();
  return { stop: () => clearInterval(timer), firstRead: pass() };
}
