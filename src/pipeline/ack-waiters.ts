// Outcome callbacks of `ack=indexed` events whose event object does not travel with them (they
// went through the spool, which stores bytes, not callbacks). Keyed by index and id.
import type { ItemOutcome } from '../model/item-outcome.ts';

type Key = string;
const key = (index: string, id: string): Key => `${index}\u0000${id}`;

export class AckWaiters {
  private readonly waiting = new Map<Key, ((outcome: ItemOutcome) => void)[]>();

  get size(): number {
    return this.waiting.size;
  }

  register(index: string, id: string, onDone: (outcome: ItemOutcome) => void): void {
    const k = key(index, id);
    const list = this.waiting.get(k);
    if (list === undefined) this.waiting.set(k, [onDone]);
    else list.push(onDone);
  }

  resolve(index: string, id: string, outcome: ItemOutcome): void {
    if (this.waiting.size === 0) return;
    const k = key(index, id);
    const list = this.waiting.get(k);
    if (list === undefined) return;
    this.waiting.delete(k);
    for (const cb of list) cb(outcome);
  }
}
