// A FIFO of pipeline events that keeps count of its bytes and its oldest entry's age.
import { eventBytes, type PipelineEvent } from './event.ts';

interface Entry {
  event: PipelineEvent;
  bytes: number;
  enqueuedAt: number;
}

export class EventQueue {
  private entries: Entry[] = [];
  private head = 0;
  private totalBytes = 0;

  get length(): number {
    return this.entries.length - this.head;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** When the oldest queued event arrived, or undefined when empty. */
  get oldestAt(): number | undefined {
    return this.entries[this.head]?.enqueuedAt;
  }

  push(event: PipelineEvent, now: number): void {
    const bytes = eventBytes(event);
    this.entries.push({ event, bytes, enqueuedAt: now });
    this.totalBytes += bytes;
  }

  /** Removes up to maxDocs events from the front, stopping before maxBytes is passed (at least one). */
  take(maxDocs: number, maxBytes: number): PipelineEvent[] {
    const out: PipelineEvent[] = [];
    let bytes = 0;
    while (this.head < this.entries.length && out.length < maxDocs) {
      const entry = this.entries[this.head] as Entry;
      if (out.length > 0 && bytes + entry.bytes > maxBytes) break;
      out.push(entry.event);
      bytes += entry.bytes;
      this.head++;
    }
    this.totalBytes -= bytes;
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}
