import { type Release, OutboundLimiter } from './outbound-limiter';

const limits = { perTenantConcurrency: 2, perTenantPerSecond: 3, globalConcurrency: 3, globalPerSecond: 100 };

describe('outbound limiter (in memory, per replica)', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  const admitted = (result: Release | string): Release => {
    if (typeof result !== 'function') throw new Error(`refused: ${result}`);
    return result;
  };

  it('bounds calls in flight per tenant and per replica, and frees a slot on release (once)', () => {
    const limiter = new OutboundLimiter({ ...limits, perTenantPerSecond: 100 }, clock);
    const a1 = admitted(limiter.tryAcquire('a'));
    admitted(limiter.tryAcquire('a'));
    expect(limiter.tryAcquire('a')).toBe('concurrency');
    admitted(limiter.tryAcquire('b'));
    expect(limiter.tryAcquire('c')).toBe('concurrency'); // the replica's 3 are in flight
    a1();
    a1(); // a second release changes nothing
    admitted(limiter.tryAcquire('c'));
    expect(limiter.tryAcquire('a')).toBe('concurrency');
  });

  it('bounds the rate per tenant with a token bucket that refills over time', () => {
    const limiter = new OutboundLimiter({ ...limits, perTenantConcurrency: 100, globalConcurrency: 100 }, clock);
    for (let i = 0; i < 3; i++) admitted(limiter.tryAcquire('a'))();
    expect(limiter.tryAcquire('a')).toBe('rate');
    admitted(limiter.tryAcquire('b'))(); // another tenant has its own bucket
    now += 334; // one token back (3 per second)
    admitted(limiter.tryAcquire('a'))();
    expect(limiter.tryAcquire('a')).toBe('rate');
    now += 10_000; // never more than one second's worth
    for (let i = 0; i < 3; i++) admitted(limiter.tryAcquire('a'))();
    expect(limiter.tryAcquire('a')).toBe('rate');
  });

  it('bounds the replica rate across tenants', () => {
    const limiter = new OutboundLimiter({ perTenantConcurrency: 10, perTenantPerSecond: 10, globalConcurrency: 10, globalPerSecond: 4 }, clock);
    for (const tenant of ['a', 'b', 'c', 'd']) admitted(limiter.tryAcquire(tenant))();
    expect(limiter.tryAcquire('e')).toBe('rate');
  });

  it('tracks a bounded number of tenants, forgetting idle ones and never a busy one', () => {
    const limiter = new OutboundLimiter({ ...limits, globalConcurrency: 1000, globalPerSecond: 1000, maxTenants: 3 }, clock);
    const busy = admitted(limiter.tryAcquire('busy'));
    admitted(limiter.tryAcquire('idle-1'))();
    admitted(limiter.tryAcquire('idle-2'))();
    for (let i = 0; i < 50; i++) admitted(limiter.tryAcquire(`t-${i}`))();
    expect(limiter.trackedTenants).toBe(3);
    // "busy" kept its count: its second slot is still the last one.
    admitted(limiter.tryAcquire('busy'));
    expect(limiter.tryAcquire('busy')).toBe('concurrency');
    busy();
  });

  it('refuses a new tenant when every tracked tenant is busy (the map never grows past its bound)', () => {
    const limiter = new OutboundLimiter({ ...limits, globalConcurrency: 1000, globalPerSecond: 1000, maxTenants: 2 }, clock);
    admitted(limiter.tryAcquire('a'));
    admitted(limiter.tryAcquire('b'));
    expect(limiter.tryAcquire('c')).toBe('concurrency');
    expect(limiter.trackedTenants).toBe(2);
  });
});
