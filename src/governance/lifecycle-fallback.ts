// The gateway's own lifecycle for data streams on a cluster with neither ILM nor the data stream
// lifecycle (GATEWAY_LIFECYCLE_FALLBACK=auto): every GATEWAY_LIFECYCLE_INTERVAL_MS it asks each
// managed data stream to roll over on its conditions (`_rollover` with `conditions`:
// Elasticsearch checks them and says whether it rolled), and deletes the backing indices whose
// data is all older than `deleteAfterDays` — an index stopped taking writes when the next one
// was created, so that creation time is its last write's.
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayConfig } from '../config/config.ts';
import { EsRequestError, type EsClient } from '../sink/es-client.ts';
import { rolloverConditions } from './lifecycle-policy.ts';
import { backingIndices } from './stream-state.ts';
import { indexPatternGlob } from '../model/index-pattern.ts';

export interface FallbackOutcome {
  stream: string;
  dataStream: string;
  rolledOver: { from: string; to: string } | undefined;
  deleted: string[];
}

const DAY_MS = 86_400_000;

async function creationDates(es: EsClient, dataStream: string): Promise<Map<string, number>> {
  const r = JSON.parse((await es.request({ method: 'GET', path: `/${encodeURIComponent(dataStream)}/_settings/index.creation_date?flat_settings=true` })).body) as Record<string, { settings: Record<string, string> }>;
  return new Map(Object.entries(r).map(([index, v]) => [index, Number(v.settings['index.creation_date'])]));
}

/** One pass over every data stream whose lifecycle the gateway manages. */
export async function runLifecycleFallback(es: EsClient, config: GatewayConfig, now: number): Promise<FallbackOutcome[]> {
  const out: FallbackOutcome[] = [];
  for (const s of config.streams.values()) {
    const l = s.lifecycle;
    if (!s.dataStream || l?.kind !== 'managed' || s.index === undefined) continue;
    const dataStream = indexPatternGlob(s.index, s.name);
    let rolledOver: FallbackOutcome['rolledOver'];
    try {
      const r = JSON.parse((await es.request({ method: 'POST', path: `/${encodeURIComponent(dataStream)}/_rollover`, body: JSON.stringify({ conditions: rolloverConditions(l.rollover) }) })).body) as { rolled_over: boolean; old_index: string; new_index: string };
      if (r.rolled_over) rolledOver = { from: r.old_index, to: r.new_index };
    } catch (err) {
      if (err instanceof EsRequestError && err.statusCode === 404) continue; // no event yet: no data stream
      throw err;
    }
    const deleted: string[] = [];
    if (l.deleteAfterDays !== undefined) {
      const backing = await backingIndices(es, dataStream);
      if (backing.length > 1) {
        const created = await creationDates(es, dataStream);
        // Never the write index (the last): Elasticsearch refuses to delete it anyway.
        for (let i = 0; i < backing.length - 1; i++) {
          const successor = created.get(backing[i + 1] as string);
          if (successor === undefined || now - successor <= l.deleteAfterDays * DAY_MS) continue;
          await es.request({ method: 'DELETE', path: `/${encodeURIComponent(backing[i] as string)}` });
          deleted.push(backing[i] as string);
        }
      }
    }
    out.push({ stream: s.name, dataStream, rolledOver, deleted });
  }
  return out;
}

/** Runs the fallback on a timer until stopped; each pass's changes are logged. */
export function startLifecycleFallback(es: EsClient, config: GatewayConfig, log: FastifyBaseLogger, now: () => number): { stop(): void } {
  let running = false;
  const pass = () => {
    if (running) return;
    running = true;
    runLifecycleFallback(es, config, now()).then((outcomes) => {
      for (const o of outcomes) {
        if (o.rolledOver !== undefined) log.info({ stream: o.stream, from: o.rolledOver.from, to: o.rolledOver.to }, `lifecycle fallback: rolled data stream ${o.dataStream} over`);
        if (o.deleted.length > 0) log.info({ stream: o.stream, deleted: o.deleted }, `lifecycle fallback: deleted ${o.deleted.length} backing indices of ${o.dataStream} past retention`);
      }
    }, (err: Error) => log.warn({ err: err.message }, 'lifecycle fallback pass failed; trying again at the next interval')).finally(() => { running = false; });
  };
  const timer = setInterval(pass, config.governance.lifecycleIntervalMs).unref();
  pass();
  return { stop: () => clearInterval(timer) };
}
