// The keys the gateway knows, read from the keys file and read again when it changes (polled:
// a mounted Kubernetes secret changes by a symlink swap, which file watchers miss) or on
// reload() (SIGHUP). A file that fails to parse leaves the keys as they were, and says why.
import { timingSafeEqual } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { namePatternMatcher } from '../model/name-patterns.ts';
import { hashApiKey, parseKeysFile, type ApiKeyEntry, type Operation } from './keys-file.ts';

/** A key as requests use it: its entry, with its patterns compiled. */
export interface ApiKey {
  readonly entry: ApiKeyEntry;
  may(op: Operation): boolean;
  mayUseStream(stream: string): boolean;
  mayWriteIndex(index: string): boolean;
}

export interface KeyStore {
  /** The key whose hash matches, if any (compared in constant time). */
  find(key: string): ApiKey | undefined;
  readonly size: number;
  /** Reads the file again; false (and the old keys kept) when it cannot be used. */
  reload(): boolean;
  close(): void;
}

function compile(entry: ApiKeyEntry): ApiKey {
  const ops = new Set(entry.ops);
  const streams = namePatternMatcher(entry.streams);
  const indices = namePatternMatcher(entry.indices);
  return { entry, may: (op) => ops.has(op), mayUseStream: streams, mayWriteIndex: indices };
}

export interface KeyStoreOptions {
  file: string;
  pollMs: number;
  onReload: (keys: number) => void;
  onError: (message: string) => void;
}

export function openKeyStore(o: KeyStoreOptions): KeyStore {
  let byHash = new Map<string, ApiKey>();
  const load = (): boolean => {
    try {
      const { keys } = parseKeysFile(readFileSync(o.file, 'utf8'));
      byHash = new Map(keys.map((k) => [k.hash, compile(k)]));
      o.onReload(byHash.size);
      return true;
    } catch (err) {
      o.onError(`keys file ${o.file} not used: ${(err as Error).message}`);
      return false;
    }
  };
  load();
  const changed = (now: { mtimeMs: number; size: number; ino: number }, before: { mtimeMs: number; size: number; ino: number }) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) load();
  };
  watchFile(o.file, { interval: o.pollMs, persistent: false }, changed);
  return {
    find(key) {
      const hash = hashApiKey(key);
      const found = byHash.get(hash);
      // The map finds it by the hash; the comparison that decides is the constant-time one.
      if (found === undefined || !timingSafeEqual(Buffer.from(found.entry.hash), Buffer.from(hash))) return undefined;
      return found;
    },
    get size() { return byHash.size; },
    reload: load,
    close: () => unwatchFile(o.file, changed),
  };
}
