// maxFields: per stream, the field paths its mapping has (read from the write index by the
// field watch, plus those events let through since), and the check of an event against them.
// The sink it wraps (screenFieldBudget) runs it on each bulk of the gateway's events: an event
// that would take its stream's mapping past `maxFields` never reaches Elasticsearch — its
// verdict is a permanent `max_fields_exceeded`, so the dispatcher writes it to the dead-letter
// index with that reason, like any event Elasticsearch refused. Costs a JSON.parse per event of
// a stream with maxFields (only those streams).
import type { GatewayConfig } from '../config/config.ts';
import type { StreamConfig } from '../config/streams.ts';
import type { BulkSink } from '../sink/bulk-sink.ts';
import type { ItemVerdict } from '../sink/bulk-response.ts';
import { indexPatternRegExp } from '../model/index-pattern.ts';
import { newPaths } from './field-paths.ts';

interface Budget {
  stream: string;
  maxFields: number;
  /** Paths mapped (as of the field watch's last read) or let through since. */
  known: Set<string>;
  /** Whether an index name is the stream's. */
  matches: (index: string) => boolean;
}

export class FieldBudgets {
  private readonly budgets: Budget[] = [];

  constructor(config: GatewayConfig) {
    for (const s of config.streams.values()) {
      // With dynamic false or strict an event adds no field (ignored, or refused by Elasticsearch).
      if (s.maxFields === undefined || s.dynamic === 'false' || s.dynamic === 'strict') continue;
      // The stream's own names only (a data stream's or an alias's is one name: events are written through it).
      const own = indexPatternRegExp(s.index ?? config.defaultIndexPattern, s.name);
      this.budgets.push({ stream: s.name, maxFields: s.maxFields, known: new Set(), matches: (index) => own.test(index) });
    }
  }

  get active(): boolean {
    return this.budgets.length > 0;
  }

  /** The stream's mapped paths as the cluster has them now (the field watch's read). */
  setKnown(stream: StreamConfig['name'], paths: Set<string>): void {
    const b = this.budgets.find((x) => x.stream === stream);
    if (b !== undefined) b.known = paths;
  }

  /** Why the event may not go (a reason), or undefined; an event that may go adds its paths. */
  check(index: string, source: Buffer): string | undefined {
    const b = this.budgets.find((x) => x.matches(index));
    if (b === undefined) return undefined;
    let event: unknown;
    try {
      event = JSON.parse(source.toString('utf8'));
    } catch {
      return undefined; // not the budget's business: Elasticsearch says what is wrong with it
    }
    const added = newPaths(event, b.known);
    if (added.length === 0) return undefined;
    if (b.known.size + added.length > b.maxFields) {
      const shown = added.slice(0, 5).join(', ') + (added.length > 5 ? `, … (${added.length - 5} more)` : '');
      return `the event would add ${added.length} fields (${shown}) to stream ${b.stream}, whose mapping has ${b.known.size} of its maxFields ${b.maxFields}`;
    }
    for (const p of added) b.known.add(p);
    return undefined;
  }
}

/** Splits a body of the gateway's events (action line, source line each) into its events. */
function eventsOf(body: readonly Buffer[]): { action: Buffer; source: Buffer }[] {
  const all = body.length === 1 ? body[0] as Buffer : Buffer.concat(body);
  const out: { action: Buffer; source: Buffer }[] = [];
  let at = 0;
  while (at < all.length) {
    const a = all.indexOf(0x0a, at);
    const s = all.indexOf(0x0a, a + 1);
    out.push({ action: all.subarray(at, a + 1), source: all.subarray(a + 1, s + 1) });
    at = s + 1;
  }
  return out;
}

export function screenFieldBudget(sink: BulkSink, budgets: FieldBudgets): BulkSink {
  if (!budgets.active) return sink;
  return {
    async send(body, docs, kind = 'events') {
      if (kind !== 'events') return sink.send(body, docs, kind);
      const events = eventsOf(body);
      const refused = events.map((e) => {
        const index = (JSON.parse(e.action.toString('utf8')) as { create: { _index: string } }).create._index;
        return budgets.check(index, e.source.subarray(0, e.source.length - 1));
      });
      if (refused.every((r) => r === undefined)) return sink.send(body, docs, kind);
      const kept = events.filter((_, i) => refused[i] === undefined);
      const sent = kept.length === 0 ? [] : await sink.send(kept.flatMap((e) => [e.action, e.source]), kept.length, kind);
      let k = 0;
      return refused.map((reason): ItemVerdict => (reason === undefined
        ? sent[k++] as ItemVerdict
        : { kind: 'permanent', status: 400, error: { type: 'max_fields_exceeded', reason } }));
    },
  };
}
