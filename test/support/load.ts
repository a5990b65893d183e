// A bounded load generator for fault tests: a few clients post NDJSON batches of events with
// known ids until stopped, and record which events were acknowledged (202) and what else came back.
import type { Client } from '@elastic/elasticsearch';
import { logEvents, NDJSON, post } from './gateway.ts';

export interface LoadResult {
  acknowledged: string[];
  statuses: Map<number, number>;
  errors: number;
}

export interface RunningLoad {
  stop(): Promise<LoadResult>;
  readonly acknowledgedCount: number;
}

/**
 * `pauseMs` is each client's wait after an acknowledged batch: it bounds the rate, so an outage
 * of the node's restart time spools what the test needs, not what a later drain takes minutes over.
 */
export function startLoad(url: string, opts: { clients?: number; batch?: number; idPrefix: string; query?: string; maxBatches?: number; pauseMs?: number }): RunningLoad {
  const result: LoadResult = { acknowledged: [], statuses: new Map(), errors: 0 };
  let stopped = false;
  let sent = 0;
  const maxBatches = opts.maxBatches ?? 100_000; // a bound, whatever happens
  const client = async (worker: number) => {
    for (let round = 0; !stopped && sent < maxBatches; round++) {
      sent++;
      const batch = logEvents(opts.batch ?? 200, `${opts.idPrefix}-w${worker}-r${round}`);
      try {
        const res = await post(`${url}${opts.query ?? ''}`, batch.map((e) => e.line).join('\n'), NDJSON);
        result.statuses.set(res.status, (result.statuses.get(res.status) ?? 0) + 1);
        if (res.status === 202) {
          result.acknowledged.push(...batch.map((e) => e.id));
          if (opts.pauseMs !== undefined) await new Promise((r) => setTimeout(r, opts.pauseMs));
        } else await new Promise((r) => setTimeout(r, 50));
      } catch {
        result.errors++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const clients = Array.from({ length: opts.clients ?? 3 }, (_, w) => client(w));
  return {
    get acknowledgedCount() { return result.acknowledged.length; },
    async stop() {
      stopped = true;
      await Promise.all(clients);
      return result;
    },
  };
}

/** All document ids in indices matching `pattern` (scrolls; for exact comparisons). */
export async function allIds(es: Client, pattern: string): Promise<string[]> {
  await es.indices.refresh({ index: pattern, allow_no_indices: true, ignore_unavailable: true });
  const ids: string[] = [];
  let page = await es.search({ index: pattern, size: 5000, _source: false, sort: ['_doc'], scroll: '30s', allow_no_indices: true, ignore_unavailable: true });
  while (page.hits.hits.length > 0) {
    for (const h of page.hits.hits) ids.push(h._id as string);
    page = await es.scroll({ scroll_id: page._scroll_id as string, scroll: '30s' });
  }
  if (page._scroll_id !== undefined) await es.clearScroll({ scroll_id: page._scroll_id }).catch(() => {});
  return ids;
}

/** A logger that prefixes each line with `label` and the seconds since it was made: a fault test's phases, for reading a slow CI run. */
export function phaseLog(label: string): (message: string) => void {
  const t0 = Date.now();
  return (message) => process.stdout.write(`${label} +${((Date.now() - t0) / 1000).toFixed(1)}s: ${message}\n`);
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return condition();
}

export function metricValue(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Waits until the gateway at `url` reports an empty spool; false if it still holds events after `timeoutMs`. */
export async function spoolDrained(url: string, timeoutMs: number): Promise<boolean> {
  return waitUntil(async () => metricValue(await (await fetch(`${url}/metrics`)).text(), 'es_gateway_spool_pending_events') === 0, timeoutMs, 500);
}
