import { testRun } from './test-env.int';
import { randomUUID } from 'node:crypto';
import { deleteRedisPrefix } from '@scep/testing';
import { TenancyEvents } from './tenancy-events';

describe('TenancyEvents (real Redis pub/sub)', () => {
  const publisher = new TenancyEvents();
  const subscriber = new TenancyEvents();

  afterAll(async () => {
    await publisher.onApplicationShutdown();
    await subscriber.onApplicationShutdown();
    await deleteRedisPrefix(testRun);
  });

  it('notifies every listener of a process, not only the first (regression: the profile cache missed rollovers)', async () => {
    const seenByCacheA: string[] = [];
    const seenByCacheB: string[] = [];
    await subscriber.subscribe((e) => seenByCacheA.push(e.tenantId));
    await subscriber.subscribe((e) => seenByCacheB.push(e.tenantId));
    const tenantId = randomUUID();
    await publisher.publish({ tenantId });
    for (let i = 0; i < 50 && (seenByCacheA.length === 0 || seenByCacheB.length === 0); i++) await new Promise((r) => setTimeout(r, 20));
    expect(seenByCacheA).toEqual([tenantId]);
    expect(seenByCacheB).toEqual([tenantId]);
  });
});
