import { LoadingCache } from './loading-cache';

describe('LoadingCache', () => {
  it('shares one load between concurrent gets', async () => {
    const cache = new LoadingCache<number>({ maxEntries: 100 });
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 10));
      return 42;
    };
    expect(await Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)])).toEqual([42, 42, 42]);
    expect(loads).toBe(1);
  });

  it('forgets a failed load so the next get retries', async () => {
    const cache = new LoadingCache<number>({ maxEntries: 100 });
    await expect(cache.get('k', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('k', async () => 7)).toBe(7);
  });

  it('expires values after their own TTL', async () => {
    const cache = new LoadingCache<number | undefined>({ maxEntries: 100, ttlMs: (v) => (v === undefined ? 0 : 60_000) });
    let n = 0;
    await cache.get('missing', async () => undefined);
    await new Promise((r) => setTimeout(r, 2));
    await cache.get('missing', async () => ++n);
    expect(n).toBe(1);
    await cache.get('found', async () => 5);
    expect(await cache.get('found', async () => 6)).toBe(5);
  });

  it('invalidates by predicate over keys and loaded values', async () => {
    const cache = new LoadingCache<{ tenant: string }>({ maxEntries: 100 });
    await cache.get('a', async () => ({ tenant: 't1' }));
    await cache.get('b', async () => ({ tenant: 't2' }));
    cache.deleteWhere((_k, v) => v?.tenant === 't1');
    expect(await cache.get('a', async () => ({ tenant: 'reloaded' }))).toEqual({ tenant: 'reloaded' });
    expect(await cache.get('b', async () => ({ tenant: 'reloaded' }))).toEqual({ tenant: 't2' });
  });

  it('stays within maxEntries whatever keys arrive, evicting the least recently used (not-found results included)', async () => {
    const cache = new LoadingCache<string | undefined>({ maxEntries: 50, ttlMs: () => 60_000 });
    await cache.get('kept', async () => 'hot');
    for (let i = 0; i < 10_000; i++) {
      await cache.get(`random-slug-${i}`, async () => undefined);
      if (i % 10 === 0) await cache.get('kept', async () => 'reloaded');
    }
    expect(cache.size).toBeLessThanOrEqual(50);
    expect(await cache.get('kept', async () => 'reloaded')).toBe('hot');
    let loads = 0;
    await cache.get('random-slug-0', async () => (loads++, undefined));
    expect(loads).toBe(1); // evicted long ago: loaded again
  });

  it('refuses to be built without a bound', () => {
    expect(() => new LoadingCache<number>({ maxEntries: 0 })).toThrow(RangeError);
  });
});
