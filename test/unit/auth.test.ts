import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ByteQuotas } from '../../src/auth/byte-quota.ts';
import { presentedKey } from '../../src/auth/credentials.ts';
import { openKeyStore } from '../../src/auth/key-store.ts';
import { hashApiKey, newApiKey, parseKeysFile } from '../../src/auth/keys-file.ts';
import { runKeysCreate, runKeysList } from '../../src/cli/keys-command.ts';
import { namePatternMatcher } from '../../src/model/name-patterns.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('credentials presented', () => {
  it('ApiKey and Bearer on every route', () => {
    expect(presentedKey('ApiKey esg_abc', false)).toEqual({ key: 'esg_abc' });
    expect(presentedKey('Bearer esg_abc', false)).toEqual({ key: 'esg_abc' });
    expect(presentedKey('bearer   esg_abc ', false)).toEqual({ key: 'esg_abc' });
    expect(presentedKey(undefined, false)).toBeUndefined();
    expect(presentedKey('Bearer ', false)).toBeUndefined();
    expect(presentedKey(`Basic ${b64('app:esg_abc')}`, false)).toBeUndefined(); // Basic only where Elasticsearch clients send it
  });

  it('Basic name:key and ApiKey base64(id:key) on the Elasticsearch-compatible routes', () => {
    expect(presentedKey(`Basic ${b64('app:esg_abc')}`, true)).toEqual({ key: 'esg_abc', claimedName: 'app' });
    expect(presentedKey(`ApiKey ${b64('app:esg_abc')}`, true)).toEqual({ key: 'esg_abc', claimedName: 'app' });
    expect(presentedKey('ApiKey esg_abc', true)).toEqual({ key: 'esg_abc' });
    expect(presentedKey(`Basic ${b64('no-colon')}`, true)).toBeUndefined();
  });
});

describe('the keys file', () => {
  const entry = { name: 'app', tenant: 'team-a', hash: hashApiKey('esg_x'), ops: ['ingest'], streams: ['app'] };

  it('takes valid entries and fills what is optional', () => {
    expect(parseKeysFile(JSON.stringify({ keys: [entry] })).keys).toEqual([{ ...entry, indices: [] }]);
  });

  it('lists every problem at once', () => {
    const bad = { keys: [{ ...entry, ops: ['write'] }, { ...entry, hash: 'plain-key', rateLimit: 0 }, { name: 'app', tenant: '', hash: entry.hash, ops: [] }] };
    expect(() => parseKeysFile(JSON.stringify(bad))).toThrow(/unknown operation "write"[\s\S]*hash must be[\s\S]*rateLimit must be[\s\S]*used twice/);
    expect(() => parseKeysFile('{')).toThrow(/not JSON/);
    expect(() => parseKeysFile('[]')).toThrow(/must be \{"keys"/);
  });

  it('keys are random and long; only their SHA-256 is kept', () => {
    const k = newApiKey();
    expect(k).toMatch(/^esg_[A-Za-z0-9_-]{43}$/);
    expect(newApiKey()).not.toBe(k);
    expect(hashApiKey(k)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('name patterns', () => {
  it('match with *, and exclusions win', () => {
    const m = namePatternMatcher(['app', 'web-*', '-web-internal']);
    expect(['app', 'web-1', 'web-internal', 'apps', 'x'].map(m)).toEqual([true, true, false, false, false]);
    expect(namePatternMatcher([])('app')).toBe(false);
  });
});

describe('byte quotas', () => {
  it('let a key in while its bucket is not empty, and make it wait off its debt', () => {
    let t = 0;
    const q = new ByteQuotas(() => t);
    expect(q.waitSeconds('k', 1000)).toBe(0);
    q.take('k', 1000, 3500); // one large request is let in whole: 2,500 bytes of debt
    expect(q.waitSeconds('k', 1000)).toBe(3);
    expect(q.waitSeconds('other', 1000)).toBe(0);
    t = 2600;
    expect(q.waitSeconds('k', 1000)).toBe(0);
    t = 100_000;
    q.take('k', 1000, 999); // the bucket holds at most one second
    expect(q.waitSeconds('k', 1000)).toBe(0);
    q.take('k', 1000, 1);
    expect(q.waitSeconds('k', 1000)).toBe(1);
  });
});

describe('the key store and the keys commands', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'esgw-keys-'));
  const file = path.join(dir, 'keys.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keys create prints the key once and the store finds it; a broken file keeps the keys it had', () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(runKeysCreate(['--name', 'app', '--tenant', 'team-a', '--ops', 'ingest,search', '--streams', 'app,web-*', '--indices', 'logs-*', '--rate-limit', '50', '--file', file], (t) => out.push(t), (t) => err.push(t))).toBe(0);
    const key = out.join('').trim();
    expect(key).toMatch(/^esg_/);
    const errors: string[] = [];
    const store = openKeyStore({ file, pollMs: 60_000, onReload: () => {}, onError: (m) => errors.push(m) });
    try {
      const found = store.find(key);
      expect(found?.entry).toMatchObject({ name: 'app', tenant: 'team-a', ops: ['ingest', 'search'], rateLimit: 50 });
      expect([found?.may('ingest'), found?.may('admin'), found?.mayUseStream('web-1'), found?.mayUseStream('db'), found?.mayWriteIndex('logs-x')]).toEqual([true, false, true, false, true]);
      expect(store.find(`${key}x`)).toBeUndefined();
      expect(store.find('')).toBeUndefined();
      // A second key; the list shows both, without hashes.
      expect(runKeysCreate(['--name', 'ops', '--tenant', 'platform', '--ops', 'admin', '--file', file], () => {}, () => {})).toBe(0);
      expect(runKeysCreate(['--name', 'ops', '--tenant', 'platform', '--ops', 'admin', '--file', file], () => {}, (t) => err.push(t))).toBe(2);
      expect(err.join('')).toMatch(/ops is used twice/);
      const listed: string[] = [];
      expect(runKeysList(['--file', file, '--json'], (t) => listed.push(t), () => {})).toBe(0);
      const keys = JSON.parse(listed.join('')) as Record<string, unknown>[];
      expect(keys.map((k) => k.name)).toEqual(['app', 'ops']);
      expect(keys.every((k) => k.hash === undefined)).toBe(true);
      expect(store.reload()).toBe(true);
      expect(store.size).toBe(2);
      writeFileSync(file, '{"keys": [');
      expect(store.reload()).toBe(false);
      expect(errors.at(-1)).toMatch(/not JSON/);
      expect(store.find(key)?.entry.name).toBe('app');
    } finally {
      store.close();
    }
  });
});
