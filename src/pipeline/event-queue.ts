// A FIFO of pipeline events that keeps count of its bytes and its oldest entry's age.
import { eventBytes, type PipelineEvent } from './event.ts';

// Events and their arrival times in two parallel arrays: no wrapper object per queued event
// (each one lives as long as the event waits, and the garbage collector copies survivors).
export class EventQueue {
  private events: PipelineEvent[] = [];
  private times: number[] = [];
  private head = 0;
  private totalBytes = 0;

  get length(): number {
    return this.events.length - this.head;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** When the oldest queued event arrived, or undefined when empty. */
  get oldestAt(): number | undefined {
    return this.head < this.times.length ? this.times[this.head] : undefined;
  }

  push(event: PipelineEvent, now: number): void {
    this.events.push(event);
    this.times.push(now);
    this.totalBytes += eventBytes(event);
  }

  /** Removes up to maxDocs events from the front, stopping before maxBytes is passed (at least one). */
  take(maxDocs: number, maxBytes: number): PipelineEvent[] {
    const out: PipelineEvent[] = [];
    let bytes = 0;
    while (this.head < this.events.length && out.length < maxDocs) {
      const event = this.events[this.head] as PipelineEvent;
      const size = eventBytes(event);
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push(event);
      bytes += size;
      this.head++;
    }
    this.totalBytes -= bytes;
    if (this.head > 4096 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}
