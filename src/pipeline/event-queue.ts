// A FIFO of event ranges that keeps count of its events and bytes and its oldest entry's age.
import { rangeBytes, type EventRange } from '../model/event-block.ts';

// Ranges and their arrival times in parallel arrays: no wrapper object per queued range beyond
// the ones it was given.
export class EventQueue {
  private ranges: (EventRange | undefined)[] = [];
  private times: number[] = [];
  private head = 0;
  private events = 0;
  private totalBytes = 0;

  /** Events queued. */
  get length(): number {
    return this.events;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** When the oldest queued event arrived, or undefined when empty. */
  get oldestAt(): number | undefined {
    return this.head < this.times.length ? this.times[this.head] : undefined;
  }

  push(range: EventRange, now: number): void {
    if (range.to <= range.from) return;
    this.ranges.push(range);
    this.times.push(now);
    this.events += range.to - range.from;
    this.totalBytes += rangeBytes(range);
  }

  /**
   * Removes up to maxDocs events from the front, stopping before maxBytes of bulk lines is
   * passed (at least one event); a range is split where the cut falls inside it.
   */
  take(maxDocs: number, maxBytes: number): EventRange[] {
    const out: EventRange[] = [];
    let docs = 0;
    let bytes = 0;
    while (this.head < this.ranges.length && docs < maxDocs) {
      const r = this.ranges[this.head] as EventRange;
      const starts = r.lines.lineStarts;
      const base = starts[r.from] as number;
      // How far into this range the cut may go: whole if it fits, else event by event.
      let to = Math.min(r.to, r.from + (maxDocs - docs));
      if (bytes + (starts[to] as number) - base > maxBytes) {
        to = r.from;
        while (to < r.to && bytes + (starts[to + 1] as number) - base <= maxBytes) to++;
        if (to === r.from && docs === 0) to = r.from + 1; // alone over maxBytes: still taken
      }
      if (to === r.from) break;
      const taken = to === r.to ? r : { lines: r.lines, from: r.from, to };
      out.push(taken);
      docs += to - r.from;
      bytes += (starts[to] as number) - base;
      if (to === r.to) {
        this.ranges[this.head++] = undefined; // taken: not kept alive by the queue
      } else {
        this.ranges[this.head] = { lines: r.lines, from: to, to: r.to };
        break;
      }
    }
    this.events -= docs;
    this.totalBytes -= bytes;
    if (this.head > 64 && this.head * 2 > this.ranges.length) {
      this.ranges = this.ranges.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}
