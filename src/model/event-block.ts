// Accepted events as the pipeline holds them: in blocks — one per framed request part, replayed
// spool batch, set of retries or dead letter — whose events are columns of bulk lines (see
// model/bulk-lines.ts), not an object, an id string and a Buffer view each. What the garbage
// collector has to trace and copy per queued event was most of the main thread's GC time; a
// block is a handful of objects for a thousand events. Per-event objects are made only on the
// rare paths (ack=indexed answers, retries, dead letters, the spool).
import { encodeBulkLines, encodeLinesOf, idIndexColumns, type BulkEvent, type BulkLines, type BulkRange } from './bulk-lines.ts';
import type { ItemOutcome } from './item-outcome.ts';

/**
 * `event`: a gateway event, written with `create`. `dead-letter`: an event Elasticsearch refused,
 * on its way to the dead-letter index. `op`: an Elasticsearch bulk operation (any action) from the
 * Elasticsearch-compatible API, written with its own action line.
 */
export type EventKind = 'event' | 'dead-letter' | 'op';

/** Where events came from and when they were accepted: per block, or per event (see EventBlock.meta). */
export interface EventMeta {
  readonly stream: string;
  readonly acceptedAt: number;
  readonly kind: EventKind;
}

export type OnDone = (i: number, outcome: ItemOutcome) => void;

/** The span of the request that brought a block (a W3C trace context), for links from the spans of its batches. */
export interface TraceLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}
export type HandBack = (i: number) => void;

/**
 * Where a gathered block's events came from: event k's outcome goes to done[k](at[k]) (and a
 * hand-back to handBack[k](at[k])). Functions, not the blocks themselves, so a retried event
 * does not keep the rest of its first block in memory.
 */
export interface EventRoutes {
  readonly done: readonly (OnDone | undefined)[];
  readonly handBack: readonly (HandBack | undefined)[] | undefined;
  readonly at: Uint32Array;
}

export interface EventBlock extends BulkLines {
  readonly bulk: Buffer;
  readonly count: number;
  /** One for the whole block, or one per event (blocks gathered from several). */
  readonly meta: EventMeta | readonly EventMeta[];
  /** Bulk attempts so far that ended in a retriable item rejection, per event. */
  readonly attempts: Uint16Array;
  /** Called once per event, when event i reached a final state. */
  readonly onDone: OnDone | undefined;
  /** Set for events read back from the spool: hands event i back unsent (it stays spooled). */
  readonly handBack: HandBack | undefined;
  /** Set for blocks gathered from others (retries). */
  readonly routes?: EventRoutes;
  /** The request's span, when it is traced. */
  readonly trace?: TraceLink;
}

/** Events [from, to) of a block: what the queue holds and a batch is made of. */
export interface EventRange extends BulkRange {
  readonly lines: EventBlock;
}

/**
 * What the memory budget counts per event besides its bulk lines: its share of the block's
 * columns (id characters, offsets, attempts: ~50 bytes at 26-character ids) and of the framing
 * that made them. Checked against real RSS under overload (bench/README.md, "Events in blocks of
 * bulk lines").
 */
export const EVENT_OVERHEAD_BYTES = 64;

export interface BlockOptions {
  onDone?: OnDone | undefined;
  handBack?: HandBack | undefined;
  routes?: EventRoutes | undefined;
  trace?: TraceLink | undefined;
}

/** A block of framed events (bulk lines from framing, possibly from another thread). */
export function newBlock(lines: BulkLines, meta: EventMeta | readonly EventMeta[], options: BlockOptions = {}): EventBlock {
  const count = lines.idEnds.length;
  const bulk = Buffer.isBuffer(lines.bulk) ? lines.bulk : Buffer.from(lines.bulk.buffer, lines.bulk.byteOffset, lines.bulk.byteLength);
  return { ...lines, bulk, count, meta, attempts: new Uint16Array(count), onDone: options.onDone, handBack: options.handBack, ...(options.routes === undefined ? {} : { routes: options.routes }), ...(options.trace === undefined ? {} : { trace: options.trace }) };
}

export interface EventInput extends BulkEvent, EventMeta {
  readonly source: Buffer;
}

/**
 * A block of events given one by one (replayed from the spool, dead letters). An `op`'s source is
 * its whole bulk lines (as the spool keeps it: see linesAt).
 */
export function blockOfEvents(events: readonly EventInput[], options: BlockOptions = {}): EventBlock {
  const metas: EventMeta[] = [];
  let last: EventMeta | undefined;
  for (const e of events) {
    if (last === undefined || last.stream !== e.stream || last.acceptedAt !== e.acceptedAt || last.kind !== e.kind) last = { stream: e.stream, acceptedAt: e.acceptedAt, kind: e.kind };
    metas.push(last);
  }
  const lines = events.some((e) => e.kind === 'op') ? encodeLinesOf(events.map((e) => (e.kind === 'op' ? { ...e, lines: e.source } : e))) : encodeBulkLines(events);
  return newBlock(lines, metas, options);
}

export function wholeBlock(block: EventBlock): EventRange {
  return { lines: block, from: 0, to: block.count };
}

export function idAt(b: EventBlock, i: number): string {
  return b.ids.slice(i === 0 ? 0 : b.idEnds[i - 1], b.idEnds[i]);
}

export function indexAt(b: EventBlock, i: number): string {
  return b.indexNames[b.indexRefs[i] as number] as string;
}

export function sourceAt(b: EventBlock, i: number): Buffer {
  return b.bulk.subarray(b.sourceStarts[i], (b.lineStarts[i + 1] as number) - 1);
}

/** Event i's bulk lines: its action line and its source line. */
export function linesAt(b: EventBlock, i: number): Buffer {
  return b.bulk.subarray(b.lineStarts[i], b.lineStarts[i + 1]);
}

export function metaAt(b: EventBlock, i: number): EventMeta {
  return (Array.isArray(b.meta) ? b.meta[i] : b.meta) as EventMeta;
}

/** Event i on its own (for the spool, dead letters and logs). */
export function eventAt(b: EventBlock, i: number): EventInput & { attempts: number } {
  const m = metaAt(b, i);
  return { id: idAt(b, i), index: indexAt(b, i), source: sourceAt(b, i), stream: m.stream, acceptedAt: m.acceptedAt, kind: m.kind, attempts: b.attempts[i] as number };
}

/** Bytes of a range's bulk lines. */
export function rangeBytes(r: EventRange): number {
  return (r.lines.lineStarts[r.to] as number) - (r.lines.lineStarts[r.from] as number);
}

/** What the memory budget counts for a range of events. */
export function rangeMemory(r: EventRange): number {
  return rangeBytes(r) + EVENT_OVERHEAD_BYTES * (r.to - r.from);
}

/** What the memory budget counts for event i. */
export function eventMemory(b: EventBlock, i: number): number {
  return (b.lineStarts[i + 1] as number) - (b.lineStarts[i] as number) + EVENT_OVERHEAD_BYTES;
}

/**
 * What the ranges hold: only gateway events; Elasticsearch operations (kind `op`) nobody waits
 * for; or operations someone waits for (their block has an onDone), whose full answers are
 * worth asking Elasticsearch for.
 */
export function opsIn(ranges: readonly EventRange[]): 'events' | 'ops' | 'detailed' {
  let ops = false;
  for (const r of ranges) {
    const meta = r.lines.meta;
    let here = false;
    if (!Array.isArray(meta)) here = (meta as EventMeta).kind === 'op';
    else for (let i = r.from; i < r.to && !here; i++) here = (meta[i] as EventMeta).kind === 'op';
    if (here && r.lines.onDone !== undefined) return 'detailed';
    ops ||= here;
  }
  return ops ? 'ops' : 'events';
}

export function countOf(ranges: readonly EventRange[]): number {
  let n = 0;
  for (const r of ranges) n += r.to - r.from;
  return n;
}

export function memoryOf(ranges: readonly EventRange[]): number {
  let bytes = 0;
  for (const r of ranges) bytes += rangeMemory(r);
  return bytes;
}

/** The ranges in groups of at most maxEvents events (split at range boundaries; a larger range is a group of its own). */
export function chunkRanges(ranges: readonly EventRange[], maxEvents: number): EventRange[][] {
  const chunks: EventRange[][] = [];
  let chunk: EventRange[] = [];
  let n = 0;
  for (const r of ranges) {
    if (chunk.length > 0 && n + (r.to - r.from) > maxEvents) {
      chunks.push(chunk);
      chunk = [];
      n = 0;
    }
    chunk.push(r);
    n += r.to - r.from;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Calls fn for every event of the ranges, in order. */
export function forEachEvent(ranges: readonly EventRange[], fn: (b: EventBlock, i: number) => void): void {
  for (const r of ranges) for (let i = r.from; i < r.to; i++) fn(r.lines, i);
}

export type EventPick = readonly [EventBlock, number];

/** Where event i's outcome and hand-back go, without keeping its block. */
export function routeOf(b: EventBlock, i: number): { done: OnDone | undefined; handBack: HandBack | undefined; at: number } {
  const r = b.routes;
  if (r === undefined) return { done: b.onDone, handBack: b.handBack, at: i };
  return { done: r.done[i], handBack: r.handBack?.[i], at: r.at[i] as number };
}

/**
 * Events picked from other blocks (to retry them) as blocks of their own — one for live events,
 * one for events read from the spool — whose bulk lines are copied as they are, attempts carried
 * over, and outcomes and hand-backs go to the blocks they came from.
 */
export function gatherEvents(picks: readonly EventPick[]): EventBlock[] {
  const live = picks.filter(([b]) => b.handBack === undefined);
  const spooled = picks.filter(([b]) => b.handBack !== undefined);
  return [live, spooled].filter((p) => p.length > 0).map((p) => gather(p, p === spooled));
}

function gather(picks: readonly EventPick[], spooled: boolean): EventBlock {
  const n = picks.length;
  const lineStarts = new Uint32Array(n + 1);
  const sourceStarts = new Uint32Array(n);
  const metas: EventMeta[] = [];
  const done = new Array<OnDone | undefined>(n);
  const handBack = spooled ? new Array<HandBack | undefined>(n) : undefined;
  const at = new Uint32Array(n);
  let size = 0;
  for (const [b, i] of picks) size += (b.lineStarts[i + 1] as number) - (b.lineStarts[i] as number);
  const bulk = Buffer.allocUnsafe(size);
  let offset = 0;
  for (let k = 0; k < n; k++) {
    const [b, i] = picks[k] as EventPick;
    const start = b.lineStarts[i] as number;
    const end = b.lineStarts[i + 1] as number;
    lineStarts[k] = offset;
    sourceStarts[k] = offset + (b.sourceStarts[i] as number) - start;
    bulk.set(b.bulk.subarray(start, end), offset);
    offset += end - start;
    metas.push(metaAt(b, i));
    // Routed to the first block's callbacks, however often the event was retried.
    const route = routeOf(b, i);
    done[k] = route.done;
    if (handBack !== undefined) handBack[k] = route.handBack;
    at[k] = route.at;
  }
  lineStarts[n] = offset;
  const pick = (k: number) => picks[k] as EventPick;
  const columns = idIndexColumns(n, (k) => idAt(...pick(k)), (k) => indexAt(...pick(k)));
  const block = newBlock({ bulk, lineStarts, sourceStarts, ...columns }, metas, {
    onDone: (k, outcome) => done[k]?.(at[k] as number, outcome),
    handBack: handBack === undefined ? undefined : (k) => handBack[k]?.(at[k] as number),
    routes: { done, handBack, at },
  });
  for (let k = 0; k < n; k++) {
    const [b, i] = picks[k] as EventPick;
    block.attempts[k] = b.attempts[i] as number;
  }
  return block;
}
