// Bytes of accepted events the gateway holds until they reach a final state. Admission checks
// it before a request is acknowledged, so memory stays bounded and callers hear "no" first.

export class MemoryBudget {
  private held = 0;
  private events = 0;
  readonly maxBytes: number;
  readonly highWaterBytes: number;

  constructor(maxBytes: number, highWaterBytes: number) {
    this.maxBytes = maxBytes;
    this.highWaterBytes = highWaterBytes;
  }

  get heldBytes(): number {
    return this.held;
  }

  get heldEvents(): number {
    return this.events;
  }

  get overHighWater(): boolean {
    return this.held >= this.highWaterBytes;
  }

  /** Reserves room for a request's events, all or nothing. */
  tryReserve(bytes: number, events: number): boolean {
    if (this.held + bytes > this.maxBytes) return false;
    this.reserve(bytes, events);
    return true;
  }

  /** Reserves unconditionally (dead letters of events already held). */
  reserve(bytes: number, events: number): void {
    this.held += bytes;
    this.events += events;
  }

  release(bytes: number, events: number): void {
    this.held -= bytes;
    this.events -= events;
  }
}
