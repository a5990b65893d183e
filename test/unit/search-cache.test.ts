import { describe, expect, it } from 'vitest';
import { SearchCache, SingleFlight } from '../../src/search/search-cache.ts';
import { searchTarget, targetMatches } from '../../src/search/search-target.ts';
import { searchCacheKey } from '../../src/search/search-request.ts';
import { bodyOfQueryString } from '../../src/http/search-routes.ts';

describe('SearchCache', () => {
  it('serves fresh, then stale, then nothing, by its own clock', () => {
    let t = 1000;
    const cache = new SearchCache(1 << 20, () => t);
    cache.store('k', Buffer.from('{"a":1}'), 5000, 60_000);
    expect(cache.lookup('k')).toMatchObject({ fresh: true, ageMs: 0 });
    t += 5000;
    expect(cache.lookup('k')).toMatchObject({ fresh: false, ageMs: 5000 });
    t += 59_999;
    expect(cache.lookup('k')?.answer.body.toString()).toBe('{"a":1}');
    t += 2;
    expect(cache.lookup('k')).toBeUndefined();
  });

  it('never counts more bytes than its bound, evicting the least recently used', () => {
    const cache = new SearchCache(10_000, () => 0);
    for (let i = 0; i < 100; i++) {
      cache.store(`key-${i}`, Buffer.alloc(500, 'x'), 1000, 1000);
      expect(cache.bytes).toBeLessThanOrEqual(10_000);
    }
    expect(cache.entries).toBe(Math.floor(10_000 / (500 + 'key-99'.length + 200)));
    expect(cache.lookup('key-99')).toBeDefined();
    expect(cache.lookup('key-0')).toBeUndefined();
  });

  it('does not keep an answer larger than the whole bound, and caches nothing at 0 bytes', () => {
    const cache = new SearchCache(1000, () => 0);
    cache.store('big', Buffer.alloc(2000), 1000, 1000);
    expect(cache.lookup('big')).toBeUndefined();
    const off = new SearchCache(0, () => 0);
    off.store('k', Buffer.from('x'), 1000, 1000);
    expect(off.lookup('k')).toBeUndefined();
    expect(off.bytes).toBe(0);
  });
});

describe('SingleFlight', () => {
  it('runs identical concurrent work once; the next call after it ends runs again', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    let release!: (n: number) => void;
    const work = () => { runs++; return new Promise<number>((r) => { release = r; }); };
    const a = flights.run('k', work);
    const b = flights.run('k', work);
    expect([a.joined, b.joined]).toEqual([false, true]);
    release(7);
    expect(await Promise.all([a.result, b.result])).toEqual([7, 7]);
    const c = flights.run('k', async () => { runs++; return 8; });
    expect(c.joined).toBe(false);
    expect(await c.result).toBe(8);
    expect(runs).toBe(2);
  });

  it('shares a failure with every caller and forgets it', async () => {
    const flights = new SingleFlight<number>();
    const a = flights.run('k', () => Promise.reject(new Error('down')));
    const b = flights.run('k', () => Promise.resolve(1));
    await expect(a.result).rejects.toThrow('down');
    await expect(b.result).rejects.toThrow('down');
    expect(await flights.run('k', () => Promise.resolve(2)).result).toBe(2);
  });
});

describe('search target', () => {
  it('targets the stream\'s own indices and no other stream\'s', () => {
    const t = searchTarget('events-{stream}-{yyyy.MM.dd}', 'app');
    expect(t.index).toBe('events-app-*');
    expect(targetMatches(t, 'events-app-2026.12.02')).toBe(true);
    expect(targetMatches(t, 'events-app-eu-2026.12.02')).toBe(false);
    expect(targetMatches(t, 'events-app-2026.12.023')).toBe(false);
    expect(targetMatches(t, 'events-apps-2026.12.02')).toBe(false);
    const hourly = searchTarget('{stream}.logs-{yyyy}-{MM}-{dd}T{HH}', 'a.b');
    expect(hourly.index).toBe('a.b.logs-*-*-*T*');
    expect(targetMatches(hourly, 'a.b.logs-2026-12-02T05')).toBe(true);
    expect(targetMatches(hourly, 'axb.logs-2026-12-02T05')).toBe(false);
    expect(searchTarget('orders', 'x')).toEqual({ index: 'orders', ownIndex: undefined });
    expect(searchTarget('logs-{stream}', 'web')).toEqual({ index: 'logs-web', ownIndex: undefined });
  });

  it('keys searches by content, not key order', () => {
    expect(searchCacheKey('s', 'i', { a: 1, b: { c: 2, d: 3 } })).toBe(searchCacheKey('s', 'i', { b: { d: 3, c: 2 }, a: 1 }));
    expect(searchCacheKey('s', 'i', { a: 1 })).not.toBe(searchCacheKey('t', 'i', { a: 1 }));
  });
});

describe('GET query string → search body', () => {
  it('maps q, sort, search_after and track_total_hits', () => {
    expect(bodyOfQueryString({ q: 'error -debug', from: 'now-1h', to: 'now', size: 5, sort: 'status:desc,@timestamp', search_after: '[500,"x"]', track_total_hits: 'false' })).toEqual({
      query: { simple_query_string: { query: 'error -debug' } },
      from: 'now-1h',
      to: 'now',
      size: 5,
      sort: [{ status: 'desc' }, '@timestamp'],
      search_after: [500, 'x'],
      track_total_hits: false,
    });
    expect(bodyOfQueryString({ search_after: '[1,' })).toMatch(/search_after/);
  });
});
