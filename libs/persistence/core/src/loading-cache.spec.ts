import { LoadingCache } from './loading-cache';

describe('LoadingCache', () => {
  it('shares one load between concurrent gets', async () => {
    const cache = new LoadingCache<number>();
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
    const cache = new LoadingCache<number>();
    await expect(cache.get('k', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('k', async () => 7)).toBe(7);
  });

  it('expires values after their own TTL', async () => {
    const cache = new LoadingCache<number | undefined>({ ttlMs: (v) => (v === undefined ? 0 : 60_000) });
    let n = 0;
    await cache.get('missing', async () => undefined);
    await new Promise((r) => setTimeout(r, 2));
    await cache.get('missing', async () => ++n);
    expect(n).toBe(1);
    await cache.get('found', async () => 5);
    expect(await cache.get('found', async () => 6)).toBe(5);
  });

  it('invalidates by predicate over keys and loaded values', async () => {
    const cache = new LoadingCache<{ tenant: string }>();
    await cache.get('a', async () => ({ tenant: 't1' }));
    await cache.get('b', async () => ({ tenant: 't2' }));
    cache.deleteWhere((_k, v) => v?.tenant === 't1');
    expect(await cache.get('a', async () => ({ tenant: 'reloaded' }))).toEqual({ tenant: 'reloaded' });
    expect(await cache.get('b', async () => ({ tenant: 'reloaded' }))).toEqual({ tenant: 't2' });
  });
});
