// The segments of an open spool, oldest first; the last one is the one being appended to.
import type { LogPosition } from './segment-files.ts';

export interface SegmentInfo {
  readonly seq: number;
  readonly path: string;
  /** Bytes written (and readable): grows only after a write completed. */
  size: number;
}

export class SegmentTable {
  private segments: SegmentInfo[] = [];

  get count(): number {
    return this.segments.length;
  }

  get active(): SegmentInfo | undefined {
    return this.segments[this.segments.length - 1];
  }

  all(): readonly SegmentInfo[] {
    return this.segments;
  }

  add(segment: SegmentInfo): void {
    const last = this.active;
    if (last !== undefined && segment.seq <= last.seq) throw new Error(`segment ${segment.seq} added after ${last.seq}`);
    this.segments.push(segment);
  }

  remove(seq: number): void {
    this.segments = this.segments.filter((s) => s.seq !== seq);
  }

  isActive(seq: number): boolean {
    return this.active?.seq === seq;
  }

  totalBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  /**
   * Where the record at `pos` really is: the end of a sealed segment, or a segment that has
   * been deleted, is the start of the next one. Undefined when nothing follows.
   */
  locate(pos: LogPosition): { segment: SegmentInfo; offset: number } | undefined {
    for (const segment of this.segments) {
      if (segment.seq < pos.seq) continue;
      const offset = segment.seq === pos.seq ? pos.offset : 0;
      if (offset < segment.size || this.isActive(segment.seq)) return { segment, offset };
    }
    return undefined;
  }
}
