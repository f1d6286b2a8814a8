import { LRUCache } from 'lru-cache';

interface Entry<V> {
  readonly promise: Promise<V>;
  expires: number;
  value?: V;
  settled: boolean;
}

export interface LoadingCacheOptions<V> {
  /**
   * At most this many entries, least recently used evicted first — loaded values, "not found" results and loads in
   * flight alike, so that keys an attacker chooses (random tenant or profile slugs, random CRL ids) cannot grow it.
   */
  readonly maxEntries: number;
  /** How long a loaded value stays; may depend on the value (e.g. shorter for "not found"). Default: until evicted. */
  readonly ttlMs?: (value: V) => number;
}

/**
 * Records loaded from the database (profiles, endpoints, CA keys, challenge hashes) cached per process, bounded
 * (an LRU from the well-kept `lru-cache`): concurrent `get`s share one load, a failed load is not remembered, values
 * expire after their TTL, and invalidation (tenancy-changed events) drops entries by key or loaded value.
 */
export class LoadingCache<V> {
  private readonly entries: LRUCache<string, Entry<V>>;

  constructor(private readonly options: LoadingCacheOptions<V>) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    this.entries = new LRUCache<string, Entry<V>>({ max: options.maxEntries });
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > Date.now()) return hit.promise;
    const promise = load();
    const entry: Entry<V> = { promise, expires: Number.POSITIVE_INFINITY, settled: false };
    this.entries.set(key, entry);
    promise.then(
      (value) => {
        entry.value = value;
        entry.settled = true;
        const ttl = this.options.ttlMs?.(value);
        if (ttl !== undefined) entry.expires = Date.now() + ttl;
      },
      () => {
        if (this.entries.peek(key) === entry) this.entries.delete(key);
      },
    );
    return promise;
  }

  /** Puts a value that is already known (e.g. a key just generated). */
  set(key: string, value: V): void {
    const ttl = this.options.ttlMs?.(value);
    this.entries.set(key, { promise: Promise.resolve(value), value, settled: true, expires: ttl === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttl });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry for which `predicate` holds; `value` is undefined while an entry is still loading. */
  deleteWhere(predicate: (key: string, value: V | undefined, settled: boolean) => boolean): void {
    for (const [key, entry] of [...this.entries.entries()]) {
      if (predicate(key, entry.value, entry.settled)) this.entries.delete(key);
    }
  }

  /** Entries held now (loaded or loading). */
  get size(): number {
    return this.entries.size;
  }
}
