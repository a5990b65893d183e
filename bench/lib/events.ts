// Realistic log events for the benchmark, generated from a fixed seed: ~200 bytes and 10 fields
// each, with varied values, framed as NDJSON request bodies or as Elasticsearch `_bulk` bodies.

/** mulberry32: a small, fast, seeded PRNG (same sequence on every run and machine). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LEVELS = ['info', 'info', 'info', 'info', 'info', 'debug', 'debug', 'warn', 'error'] as const;
const SERVICES = ['checkout', 'catalog', 'auth', 'payments', 'search', 'shipping', 'cart', 'users'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE'];
const RESOURCES = ['orders', 'items', 'users', 'carts', 'sessions', 'invoices', 'products'];
const MESSAGES: Record<string, string[]> = {
  info: ['request completed', 'order lookup ok', 'cache hit for key', 'user session refreshed', 'payment authorised'],
  debug: ['db query finished', 'feature flag evaluated', 'retrying upstream call'],
  warn: ['slow upstream response', 'rate limit close to quota', 'deprecated endpoint used'],
  error: ['upstream timed out', 'payment declined by issuer', 'invalid token signature'],
};

/** The day every benchmark event falls on (so each scenario writes one known index). */
export const EVENT_DAY_MS = Date.UTC(2026, 0, 15);

export interface EventOptions {
  /** Adds `"event.id":"<prefix>-<n>"` (the gateway's id field): documents get that `_id`. */
  idPrefix?: string;
}

/** One event as a JSON line (no newline). `n` makes it unique within a generated set. */
export function makeEvent(rand: () => number, n: number, opts: EventOptions = {}): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const level = pick(LEVELS);
  const method = pick(METHODS);
  const status = level === 'error' ? pick([500, 502, 503, 504]) : level === 'warn' ? pick([200, 404, 429]) : pick([200, 200, 200, 201, 204, 304]);
  const ts = new Date(EVENT_DAY_MS + Math.floor(rand() * 86_400_000)).toISOString();
  const id = opts.idPrefix === undefined ? '' : `"event.id":"${opts.idPrefix}-${n}",`;
  return `{"@timestamp":"${ts}",${id}"level":"${level}","service":"${pick(SERVICES)}","host":"web-${String(1 + Math.floor(rand() * 24)).padStart(2, '0')}",`
    + `"method":"${method}","path":"/api/v1/${pick(RESOURCES)}/${Math.floor(rand() * 100000)}","status":${status},`
    + `"duration_ms":${(rand() * 800).toFixed(1)},"user":"u-${Math.floor(rand() * 50000)}","message":"${pick(MESSAGES[level] ?? [])}"}`;
}

/** `count` events from `seed`, numbered from `first`. */
export function makeEvents(seed: number, count: number, first = 0, opts: EventOptions = {}): string[] {
  const rand = seededRandom(seed);
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = makeEvent(rand, first + i, opts);
  return out;
}

/** NDJSON request bodies of `perBody` events each. */
export function ndjsonBodies(events: readonly string[], perBody: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < events.length; i += perBody) out.push(Buffer.from(`${events.slice(i, i + perBody).join('\n')}\n`));
  return out;
}

/** `_bulk` bodies of `perBody` create actions each, with the given `_id`s (what the gateway gives them). */
export function bulkBodies(events: readonly string[], ids: readonly string[], perBody: number, index: string): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < events.length; i += perBody) {
    const lines: string[] = [];
    for (let j = i; j < Math.min(i + perBody, events.length); j++) lines.push(`{"create":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(ids[j])}}}`, events[j] as string);
    out.push(Buffer.from(`${lines.join('\n')}\n`));
  }
  return out;
}

/** The stream configuration used by the gateway in every scenario: a JSON Schema (validation on) and strict mappings. */
export function benchStream(index: string | undefined): Record<string, unknown> {
  return {
    ...(index === undefined ? {} : { index }),
    schema: {
      type: 'object',
      required: ['level', 'service', 'message'],
      properties: {
        level: { enum: ['debug', 'info', 'warn', 'error'] },
        service: { type: 'string', maxLength: 64 },
        host: { type: 'string', maxLength: 255 },
        method: { type: 'string', maxLength: 16 },
        path: { type: 'string', maxLength: 2048 },
        status: { type: 'integer', minimum: 100, maximum: 599 },
        duration_ms: { type: 'number', minimum: 0 },
        user: { type: 'string' },
        message: { type: 'string', maxLength: 8192 },
      },
    },
    mappings: { properties: BENCH_PROPERTIES },
    settings: { number_of_shards: 1, number_of_replicas: 0 },
  };
}

export const BENCH_PROPERTIES = {
  '@timestamp': { type: 'date' },
  event: { properties: { id: { type: 'keyword' } } },
  level: { type: 'keyword' },
  service: { type: 'keyword' },
  host: { type: 'keyword' },
  method: { type: 'keyword' },
  path: { type: 'keyword' },
  status: { type: 'short' },
  duration_ms: { type: 'float' },
  user: { type: 'keyword' },
  message: { type: 'text' },
};
