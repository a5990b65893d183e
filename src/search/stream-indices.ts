// The concrete indices of a stream whose pattern has date tokens, resolved from the cluster
// (`_resolve/index`) and kept for a few seconds: searches are narrowed to them with a `terms` on
// `_index`, so a glob never reaches another stream's indices.
import type { EsClient } from '../sink/es-client.ts';
import { targetMatches, type SearchTarget } from './search-target.ts';

/** How long a resolution is used: an index created since (a new day's) is searched after this. */
const RESOLVE_MS = 5_000;

interface Resolved {
  names: string[];
  at: number;
}

export class StreamIndices {
  private readonly resolved = new Map<string, Resolved>();
  private readonly resolving = new Map<string, Promise<string[]>>();
  private readonly es: EsClient;
  private readonly now: () => number;

  constructor(es: EsClient, now: () => number) {
    this.es = es;
    this.now = now;
  }

  /** The target's own index names, or undefined when its expression names nothing else. */
  async of(target: SearchTarget, timeoutMs: number): Promise<string[] | undefined> {
    if (target.ownIndex === undefined) return undefined;
    const known = this.resolved.get(target.index);
    if (known !== undefined && this.now() - known.at < RESOLVE_MS) return known.names;
    let resolving = this.resolving.get(target.index);
    if (resolving === undefined) {
      resolving = this.es.request({
        method: 'GET',
        path: `/_resolve/index/${encodeURIComponent(target.index)}?expand_wildcards=open`,
        timeoutMs,
      }).then((res) => {
        const body = JSON.parse(res.body) as { indices?: { name: string }[] };
        const names = (body.indices ?? []).map((i) => i.name).filter((name) => targetMatches(target, name)).sort();
        this.resolved.set(target.index, { names, at: this.now() });
        return names;
      }).finally(() => this.resolving.delete(target.index));
      this.resolving.set(target.index, resolving);
    }
    return resolving;
  }
}
