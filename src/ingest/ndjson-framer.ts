// Splits a byte stream into NDJSON lines as chunks arrive. Works on bytes, so a chunk may end
// anywhere, including inside a multi-byte UTF-8 character (0x0A never occurs inside one).
// CRLF endings lose their CR; blank (whitespace-only) lines are skipped but still counted, so
// line numbers match what the client sent. A line over the limit fails without being buffered.

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
  private lineNumber = 1;

  constructor(maxLineBytes: number, onLine: LineHandler) {
    this.maxLineBytes = maxLineBytes;
    this.onLine = onLine;
  }

  /** Feeds one chunk; calls onLine for every complete line in it. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      this.checkSize(this.pendingBytes + piece.length);
      const line = this.pendingBytes === 0 ? piece : Buffer.concat([...this.pending, piece], this.pendingBytes + piece.length);
      this.pending = [];
      this.pendingBytes = 0;
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
