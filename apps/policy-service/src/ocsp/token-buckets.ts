import { LRUCache } from 'lru-cache';

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * A token bucket per key (here: per CA), in a bounded LRU: `ratePerSecond` sustained, `burst` at once. A key that has
 * not been seen for a while is evicted and starts again full, which only ever errs towards serving.
 */
export class TokenBuckets {
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    maxKeys = 10_000,
  ) {
    this.buckets = new LRUCache<string, Bucket>({ max: maxKeys });
  }

  /** Takes one token for `key`; false when its bucket is empty. */
  take(key: string, now = Date.now()): boolean {
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, refilledAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * this.ratePerSecond);
    bucket.refilledAt = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return allowed;
  }
}
