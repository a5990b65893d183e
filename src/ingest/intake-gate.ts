// Bounds the request bytes being read and framed at once, across all requests. A request whose
// next chunk would pass the bound waits for room before reading it — so its socket is not read
// and TCP pushes back on the client — and gives up after `maxWaitMs` (answered 503). The oldest
// request in progress may always go on, so requests never wait on each other forever: memory is
// bounded by maxBytes plus one request body.

export class IntakeTimeoutError extends Error {
  constructor(waitedMs: number) {
    super(`no room to read the request body within ${waitedMs} ms`);
    this.name = 'IntakeTimeoutError';
  }
}

export interface IntakeTicket {
  /** Passes chunks through, waiting for room before each one. */
  chunks(source: AsyncIterable<Buffer>): AsyncIterable<Buffer>;
  /** Releases every byte this request held (call once its events are handed over). */
  close(): void;
}

export class IntakeGate {
  private readonly maxBytes: number;
  private readonly maxWaitMs: number;
  private used = 0;
  private readonly active = new Set<object>();
  private wakeups: (() => void)[] = [];

  constructor(maxBytes: number, maxWaitMs: number) {
    this.maxBytes = maxBytes;
    this.maxWaitMs = maxWaitMs;
  }

  get bytesInUse(): number {
    return this.used;
  }

  open(): IntakeTicket {
    const me = {};
    this.active.add(me);
    let held = 0;
    return {
      chunks: (source) => this.pass(me, source, (n) => { held += n; }),
      close: () => {
        this.active.delete(me);
        this.used -= held;
        held = 0;
        this.wake();
      },
    };
  }

  private async *pass(me: object, source: AsyncIterable<Buffer>, onHeld: (bytes: number) => void): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      await this.room(me, chunk.length);
      this.used += chunk.length;
      onHeld(chunk.length);
      yield chunk;
    }
  }

  private oldest(me: object): boolean {
    return this.active.values().next().value === me;
  }

  private async room(me: object, bytes: number): Promise<void> {
    const deadline = Date.now() + this.maxWaitMs;
    while (this.used + bytes > this.maxBytes && !this.oldest(me)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new IntakeTimeoutError(this.maxWaitMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wakeups.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  private wake(): void {
    const waiting = this.wakeups;
    this.wakeups = [];
    for (const w of waiting) w();
  }
}
