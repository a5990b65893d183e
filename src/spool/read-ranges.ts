// Bookkeeping for batches handed out by Spool.read() and not yet committed (pure, no I/O).
// The ranges are contiguous and in log order, covering [durable cursor, read head): each new
// read appends one. A commit marks its range; the cursor then moves over the committed
// prefix only, so batches committed out of order by concurrent senders never skip one that
// is still in flight. A released range is handed out again (in pieces, if the next read asks
// for less) before anything new is read.
import type { LogPosition } from './segment-files.ts';

export interface ReadRange {
  readonly id: number;
  readonly start: LogPosition;
  readonly end: LogPosition;
  readonly events: number;
  readonly bytes: number;
  /** acceptedAt of its first event (for a released remainder: of the range it came from). */
  readonly firstAcceptedAt: number;
  state: 'out' | 'committed' | 'released';
}

export type RangeSpan = Omit<ReadRange, 'id' | 'state'>;

export interface CursorAdvance {
  readonly cursor: LogPosition;
  readonly events: number;
  readonly bytes: number;
}

export class SpoolPositionError extends Error {
  override readonly name = 'SpoolPositionError';
}

export class ReadRanges {
  private ranges: ReadRange[] = [];
  private nextId = 1;

  get length(): number {
    return this.ranges.length;
  }

  get first(): ReadRange | undefined {
    return this.ranges[0];
  }

  /** A new batch read at the read head. */
  add(span: RangeSpan): ReadRange {
    const range: ReadRange = { ...span, id: this.nextId++, state: 'out' };
    this.ranges.push(range);
    return range;
  }

  firstReleased(): ReadRange | undefined {
    return this.ranges.find((r) => r.state === 'released');
  }

  /**
   * Hands out the front part `span` of a released range again (span.start === released.start,
   * span.end <= released.end); what is left stays released.
   */
  reissue(released: ReadRange, span: RangeSpan): ReadRange {
    const at = this.ranges.indexOf(released);
    if (at < 0 || released.state !== 'released') throw new SpoolPositionError('not a released range');
    const range: ReadRange = { ...span, id: this.nextId++, state: 'out' };
    const rest = released.events - span.events;
    const replacement = rest > 0
      ? [range, { ...released, id: this.nextId++, start: span.end, events: rest, bytes: released.bytes - span.bytes }]
      : [range];
    this.ranges.splice(at, 1, ...replacement);
    return range;
  }

  release(id: number): ReadRange {
    const range = this.find(id);
    range.state = 'released';
    return range;
  }

  /** Marks a range committed; returns how far the cursor moves, or undefined if it does not. */
  commit(id: number): CursorAdvance | undefined {
    this.find(id).state = 'committed';
    let n = 0;
    let events = 0;
    let bytes = 0;
    while (n < this.ranges.length && (this.ranges[n] as ReadRange).state === 'committed') {
      events += (this.ranges[n] as ReadRange).events;
      bytes += (this.ranges[n] as ReadRange).bytes;
      n++;
    }
    if (n === 0) return undefined;
    const cursor = (this.ranges[n - 1] as ReadRange).end;
    this.ranges.splice(0, n);
    return { cursor, events, bytes };
  }

  private find(id: number): ReadRange {
    const range = this.ranges.find((r) => r.id === id);
    if (range === undefined || range.state !== 'out') {
      throw new SpoolPositionError(`spool batch ${id} is not out for delivery (already committed or released, or read before a restart)`);
    }
    return range;
  }
}
