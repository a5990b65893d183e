// The API keys file (GATEWAY_KEYS_FILE): for each key its name, tenant, operations, the streams
// and indices it may use and its own limits, and only the SHA-256 of the key itself. Keys are
// 32 random bytes, so a plain SHA-256 is the right hash (nothing to guess, no need for a slow
// one). Parsing and checking are pure; the store (key-store.ts) reads and reloads the file.
import { createHash, randomBytes } from 'node:crypto';

export const OPERATIONS = ['ingest', 'search', 'admin'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface ApiKeyEntry {
  /** Unique; shown in logs and metrics, and the user name of Basic auth on the Elasticsearch-compatible API. */
  name: string;
  tenant: string;
  /** `sha256:` and the hex SHA-256 of the key. */
  hash: string;
  ops: Operation[];
  /** Stream name patterns (`app`, `web-*`, `-web-internal`) for /v1/events and the search routes. */
  streams: string[];
  /** Index patterns the Elasticsearch-compatible API may write with this key; none when absent. */
  indices: string[];
  /** Requests per rate-limit window (GATEWAY_RATE_LIMIT_WINDOW_MS); GATEWAY_RATE_LIMIT_MAX when absent. */
  rateLimit?: number;
  /** Ingest bytes per second (as sent, before decompression); unlimited when absent. */
  ingestBytesPerSecond?: number;
}

export interface KeysFile {
  keys: ApiKeyEntry[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const HASH = /^sha256:[0-9a-f]{64}$/;
const KEY_PREFIX = 'esg_';

/** A new random key: `esg_` and 43 characters of base64url (32 bytes). */
export function newApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** The keys file's entries, checked; throws an Error listing every problem. */
export function parseKeysFile(text: string): KeysFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`the keys file is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const list = (raw as { keys?: unknown } | null)?.keys;
  if (typeof raw !== 'object' || raw === null || !Array.isArray(list)) throw new Error('the keys file must be {"keys": [...]}');
  const problems: string[] = [];
  const names = new Set<string>();
  const keys = list.map((k: unknown, i): ApiKeyEntry => {
    const e = (typeof k === 'object' && k !== null ? k : {}) as Record<string, unknown>;
    const at = `keys[${i}]`;
    const strings = (field: string, required: boolean): string[] => {
      const v = e[field];
      if (v === undefined && !required) return [];
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s !== '')) {
        problems.push(`${at}.${field} must be a list of non-empty strings`);
        return [];
      }
      return v as string[];
    };
    const positive = (field: string): number | undefined => {
      const v = e[field];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problems.push(`${at}.${field} must be a whole number of at least 1`);
      return v as number;
    };
    const name = typeof e.name === 'string' ? e.name : '';
    if (!NAME.test(name)) problems.push(`${at}.name must be 1-64 characters of letters, digits, _ . - (got ${JSON.stringify(e.name)})`);
    else if (names.has(name)) problems.push(`${at}.name ${name} is used twice`);
    names.add(name);
    const tenant = typeof e.tenant === 'string' ? e.tenant : '';
    if (!NAME.test(tenant)) problems.push(`${at}.tenant must be 1-64 characters of letters, digits, _ . -`);
    const hash = typeof e.hash === 'string' ? e.hash : '';
    if (!HASH.test(hash)) problems.push(`${at}.hash must be "sha256:" and 64 lowercase hex digits (es-gateway keys create writes it)`);
    const ops = strings('ops', true);
    for (const op of ops) if (!(OPERATIONS as readonly string[]).includes(op)) problems.push(`${at}.ops: unknown operation ${JSON.stringify(op)} (${OPERATIONS.join(', ')})`);
    const entry: ApiKeyEntry = { name, tenant, hash, ops: ops as Operation[], streams: strings('streams', false), indices: strings('indices', false) };
    const rateLimit = positive('rateLimit');
    if (rateLimit !== undefined) entry.rateLimit = rateLimit;
    const bytes = positive('ingestBytesPerSecond');
    if (bytes !== undefined) entry.ingestBytesPerSecond = bytes;
    return entry;
  });
  if (problems.length > 0) throw new Error(`the keys file has problems:\n  - ${problems.join('\n  - ')}`);
  return { keys };
}
