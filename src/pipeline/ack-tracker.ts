// Collects the final outcome of every event of one `ack=indexed` request, with a bounded wait.
import type { ItemOutcome } from '../model/item-outcome.ts';

export interface AckResult {
  complete: boolean;
  outcomes: (ItemOutcome | undefined)[];
}

export class AckTracker {
  private readonly outcomes: (ItemOutcome | undefined)[];
  private remaining: number;
  private resolveAll: (() => void) | undefined;
  private readonly allDone: Promise<void>;

  constructor(count: number) {
    this.outcomes = new Array<ItemOutcome | undefined>(count).fill(undefined);
    this.remaining = count;
    this.allDone = count === 0 ? Promise.resolve() : new Promise((resolve) => { this.resolveAll = resolve; });
  }

  /** Event number i reached a final state; only its first outcome counts. */
  record(i: number, outcome: ItemOutcome): void {
    if (this.outcomes[i] !== undefined) return;
    this.outcomes[i] = outcome;
    if (--this.remaining === 0) this.resolveAll?.();
  }

  async wait(timeoutMs: number): Promise<AckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); });
    await Promise.race([this.allDone, timedOut]);
    clearTimeout(timer);
    return { complete: this.remaining === 0, outcomes: [...this.outcomes] };
  }
}
