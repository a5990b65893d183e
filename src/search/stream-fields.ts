// The field catalog of each searchable stream. A stream whose mappings are fixed (dynamic strict
// or false) is searched by its configured mappings alone; one that maps new fields as they come
// also by the mappings its indices have in the cluster, read through the search breaker and kept
// (the last good one stays usable while Elasticsearch is down, so stale answers can still be
// matched to their queries).
import type { EsClient } from '../sink/es-client.ts';
import { addMappedFields, catalogFromMappings, type FieldCatalog, type MappedField } from './field-catalog.ts';
import { targetMatches, type SearchTarget } from './search-target.ts';

export interface FieldSource {
  name: string;
  target: SearchTarget;
  mappings: Record<string, unknown> | undefined;
  /** New fields get mapped as they come: the cluster's mappings count too. */
  dynamic: boolean;
}

interface Known {
  catalog: FieldCatalog;
  readAt: number;
  reading: Promise<FieldCatalog> | undefined;
}

/** Cluster mappings are read again after this long, or sooner when a query names a field not yet known. */
const REFRESH_MS = 30_000;
const MIN_REREAD_MS = 2_000;
const NEVER = Number.NEGATIVE_INFINITY;

export class StreamFields {
  private readonly known = new Map<string, Known>();
  private readonly es: EsClient;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly guard: <T>(read: () => Promise<T>) => Promise<T>;

  constructor(es: EsClient, timeoutMs: number, now: () => number, guard: <T>(read: () => Promise<T>) => Promise<T>) {
    this.es = es;
    this.timeoutMs = timeoutMs;
    this.now = now;
    this.guard = guard;
  }

  /**
   * The stream's catalog. Rejects only when the cluster's mappings are needed, were never read and
   * cannot be read now.
   */
  async catalog(source: FieldSource): Promise<FieldCatalog> {
    let known = this.known.get(source.name);
    if (!source.dynamic) {
      if (known === undefined) {
        known = { catalog: catalogFromMappings(source.mappings), readAt: Number.POSITIVE_INFINITY, reading: undefined };
        this.known.set(source.name, known);
      }
      return known.catalog;
    }
    if (known === undefined || known.readAt === NEVER) return this.read(source);
    if (this.now() - known.readAt > REFRESH_MS) void this.read(source).catch(() => undefined);
    return known.catalog;
  }

  /** Reads the cluster's mappings again if the last read is not recent; false when nothing new can be learned. */
  async reread(source: FieldSource): Promise<boolean> {
    const known = this.known.get(source.name);
    if (!source.dynamic || (known !== undefined && this.now() - known.readAt < MIN_REREAD_MS)) return false;
    try {
      await this.read(source);
      return true;
    } catch {
      return false;
    }
  }

  private read(source: FieldSource): Promise<FieldCatalog> {
    const known = this.known.get(source.name);
    if (known?.reading !== undefined) return known.reading;
    const reading = this.guard(() => this.es.request({
      method: 'GET',
      path: `/${encodeURIComponent(source.target.index)}/_mapping?ignore_unavailable=true&allow_no_indices=true`,
      timeoutMs: this.timeoutMs,
    })).then((res) => {
      const catalog = catalogFromMappings(source.mappings) as Map<string, MappedField>;
      const byIndex = JSON.parse(res.body) as Record<string, { mappings?: { properties?: unknown; runtime?: unknown } }>;
      // Newest index first: where a field's type changed, today's mapping is the one queries meet.
      for (const index of Object.keys(byIndex).sort().reverse()) {
        if (!targetMatches(source.target, index)) continue;
        addMappedFields(byIndex[index]?.mappings?.properties, catalog);
        addMappedFields(byIndex[index]?.mappings?.runtime, catalog);
      }
      this.known.set(source.name, { catalog, readAt: this.now(), reading: undefined });
      return catalog as FieldCatalog;
    }, (err: unknown) => {
      const k = this.known.get(source.name);
      if (k?.readAt === NEVER) this.known.delete(source.name);
      else if (k !== undefined) k.reading = undefined;
      throw err;
    });
    if (known !== undefined) known.reading = reading;
    else this.known.set(source.name, { catalog: new Map(), readAt: NEVER, reading });
    return reading;
  }
}
