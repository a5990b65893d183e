// Answers kept for fallback: an LRU bounded in bytes (lru-cache), each entry fresh for its
// stream's TTL and then kept, stale, for its stale TTL — to be served while Elasticsearch fails.
import { LRUCache } from 'lru-cache';

export interface CachedAnswer {
  /** The answer as sent to clients (JSON). */
  body: Buffer;
  storedAt: number;
  freshMs: number;
}

export interface CacheLookup {
  answer: CachedAnswer;
  fresh: boolean;
  ageMs: number;
}

/** Bytes an entry is counted for besides its body and key: the entry object and the LRU's slots. */
const ENTRY_OVERHEAD = 200;

export class SearchCache {
  private readonly lru: LRUCache<string, CachedAnswer> | undefined;
  private readonly now: () => number;

  /** `maxBytes` 0: nothing is cached. */
  constructor(maxBytes: number, now: () => number) {
    this.now = now;
    this.lru = maxBytes === 0 ? undefined : new LRUCache<string, CachedAnswer>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) => value.body.length + Buffer.byteLength(key) + ENTRY_OVERHEAD,
      // The age the LRU judges by is ours (storedAt), so tests and the clock agree.
      perf: { now },
      ttlAutopurge: false,
      ttlResolution: 0,
    });
  }

  lookup(key: string): CacheLookup | undefined {
    const answer = this.lru?.get(key);
    if (answer === undefined) return undefined;
    const ageMs = Math.max(0, this.now() - answer.storedAt);
    return { answer, fresh: ageMs < answer.freshMs, ageMs };
  }

  store(key: string, body: Buffer, freshMs: number, staleMs: number): void {
    if (this.lru === undefined || freshMs + staleMs === 0) return;
    this.lru.set(key, { body, storedAt: this.now(), freshMs }, { ttl: freshMs + staleMs });
  }

  get entries(): number {
    return this.lru?.size ?? 0;
  }

  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  get maxBytes(): number {
    return this.lru?.maxSize ?? 0;
  }
}

/** Identical concurrent calls share one: the first runs, the others join its promise. */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): { result: Promise<T>; joined: boolean } {
    const existing = this.running.get(key);
    if (existing !== undefined) return { result: existing, joined: true };
    const result = work().finally(() => this.running.delete(key));
    this.running.set(key, result);
    return { result, joined: false };
  }
}
