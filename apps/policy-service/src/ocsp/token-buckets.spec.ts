import { TokenBuckets } from './token-buckets';

describe('TokenBuckets', () => {
  it('allows a burst, then the sustained rate, per key', () => {
    const buckets = new TokenBuckets(10, 3);
    const t = 1_000_000;
    expect([1, 2, 3, 4].map(() => buckets.take('ca-1', t))).toEqual([true, true, true, false]);
    expect(buckets.take('ca-2', t)).toBe(true); // another CA has its own bucket
    expect(buckets.take('ca-1', t + 50)).toBe(false); // half a token
    expect(buckets.take('ca-1', t + 100)).toBe(true); // one token after 100 ms at 10/s
    expect(buckets.take('ca-1', t + 100)).toBe(false);
    expect([1, 2, 3, 4].map(() => buckets.take('ca-1', t + 100_000))).toEqual([true, true, true, false]); // never above the burst
  });

  it('stays bounded: the least recently used key is forgotten', () => {
    const buckets = new TokenBuckets(1, 1, 2);
    expect(buckets.take('a', 0)).toBe(true);
    expect(buckets.take('a', 0)).toBe(false);
    buckets.take('b', 0);
    buckets.take('c', 0);
    expect(buckets.take('a', 0)).toBe(true); // evicted, starts full again
  });
});
