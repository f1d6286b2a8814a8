import { FailureBudget } from './failure-budget';

describe('FailureBudget', () => {
  it('refuses a client that spent its budget until the window ends, per profile, per client', () => {
    const budget = new FailureBudget(3, 60_000, 100);
    const t0 = 1_000_000;
    for (let i = 0; i < 2; i++) budget.recordFailure('t/p', '192.0.2.1', t0);
    expect(budget.retryAfterSeconds('t/p', '192.0.2.1', t0)).toBeUndefined();
    budget.recordFailure('t/p', '192.0.2.1', t0 + 1000);
    expect(budget.retryAfterSeconds('t/p', '192.0.2.1', t0 + 1000)).toBe(59);
    expect(budget.retryAfterSeconds('t/p', '::ffff:192.0.2.1', t0 + 1000)).toBe(59);
    expect(budget.retryAfterSeconds('t/other', '192.0.2.1', t0 + 1000)).toBeUndefined();
    expect(budget.retryAfterSeconds('t/p', '192.0.2.2', t0 + 1000)).toBeUndefined();
    expect(budget.retryAfterSeconds('t/p', '192.0.2.1', t0 + 60_000)).toBeUndefined();
  });

  it('stays bounded whatever addresses arrive', () => {
    const budget = new FailureBudget(1, 60_000, 10);
    for (let i = 0; i < 1000; i++) budget.recordFailure('t/p', `10.0.${i >> 8}.${i & 255}`);
    expect(budget.retryAfterSeconds('t/p', '10.0.0.0')).toBeUndefined(); // evicted long ago
    expect(budget.retryAfterSeconds('t/p', '10.0.3.231')).toBeGreaterThan(0);
  });
});
