// Splits a byte stream into NDJSON lines as chunks arrive. Works on bytes, so a chunk may end
// anywhere, including inside a multi-byte UTF-8 character (0x0A never occurs inside one).
// CRLF endings lose their CR; blank (whitespace-only) lines are skipped but still counted, so
// line numbers match what the client sent. A line over the limit fails without being buffered.

import type { ByteChunks } from './byte-chunks.ts';

const LF = 0x0a;
const CR = 0x0d;

export class LineTooLargeError extends Error {
  readonly line: number;
  readonly limit: number;
  constructor(line: number, limit: number) {
    super(`line ${line} is larger than ${limit} bytes`);
    this.name = 'LineTooLargeError';
    this.line = line;
    this.limit = limit;
  }
}

export type LineHandler = (line: Buffer, lineNumber: number) => void;

function isBlank(line: Buffer): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}

export class NdjsonFramer {
  private readonly maxLineBytes: number;
  private readonly onLine: LineHandler;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lineNumber: number;

  /** @param firstLine  the number of the first line fed (1 unless framing the later part of a body) */
  constructor(maxLineBytes: number, onLine: LineHandler, firstLine = 1) {
    this.maxLineBytes = maxLineBytes;
    this.onLine = onLine;
    this.lineNumber = firstLine;
  }

  /** Feeds one chunk; calls onLine for every complete line in it. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      this.checkSize(this.pendingBytes + piece.length);
      let line = piece;
      if (this.pendingBytes > 0) {
        line = Buffer.concat([...this.pending, piece], this.pendingBytes + piece.length);
        this.pending = [];
        this.pendingBytes = 0;
      }
      this.emit(line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.checkSize(this.pendingBytes + rest.length);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    if (this.pendingBytes > 0) {
      const line = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.emit(line);
    }
  }

  private checkSize(bytes: number): void {
    // A trailing CR is not part of the event, so allow one byte for it.
    if (bytes > this.maxLineBytes + 1) throw new LineTooLargeError(this.lineNumber, this.maxLineBytes);
  }

  private emit(raw: Buffer): void {
    const n = this.lineNumber++;
    const line = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, raw.length - 1) : raw;
    if (line.length > this.maxLineBytes) throw new LineTooLargeError(n, this.maxLineBytes);
    if (line.length === 0 || isBlank(line)) return;
    this.onLine(line, n);
  }
}

/** One piece of an NDJSON body cut by splitAtNewlines: bytes [start, end), first line number. */
export interface NdjsonPart {
  start: number;
  end: number;
  firstLine: number;
}

/**
 * Cuts an NDJSON body into at most `shares` pieces (a count: about equal pieces; or weights: pieces
 * of about those proportions), each cut just after a newline, so each piece frames on its own;
 * every piece knows the number of its first line. Fewer pieces when there are too few lines.
 * Pure.
 */
export function splitAtNewlines(body: Pick<ByteChunks, 'length' | 'indexOf' | 'count'>, shares: number | readonly number[]): NdjsonPart[] {
  const weights = typeof shares === 'number' ? new Array<number>(Math.max(1, shares)).fill(1) : shares;
  let total = 0;
  for (const w of weights) total += w;
  const out: NdjsonPart[] = [];
  let start = 0;
  let firstLine = 1;
  let upTo = 0;
  for (let k = 0; k < weights.length - 1 && start < body.length; k++) {
    upTo += weights[k] as number;
    const nl = body.indexOf(LF, Math.max(start, Math.floor((body.length * upTo) / total)));
    if (nl === -1 || nl + 1 >= body.length) break;
    out.push({ start, end: nl + 1, firstLine });
    firstLine += body.count(LF, start, nl + 1);
    start = nl + 1;
  }
  out.push({ start, end: body.length, firstLine });
  return out;
}
