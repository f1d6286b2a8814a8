import './test-env.int';
import { randomUUID } from 'node:crypto';
import { NatsConnection } from './nats-connection';
import { TenancyEvents } from './tenancy-events';

describe('TenancyEvents (real NATS, broadcast)', () => {
  const connections = [new NatsConnection(), new NatsConnection(), new NatsConnection()];
  const [publisherNats, replicaA, replicaB] = connections as [NatsConnection, NatsConnection, NatsConnection];
  const publisher = new TenancyEvents(publisherNats);

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.onApplicationShutdown()));
  });

  const until = async (done: () => boolean) => {
    for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
  };

  it('notifies every listener of a process, not only the first (regression: the profile cache missed rollovers)', async () => {
    const subscriber = new TenancyEvents(replicaA);
    const seenByCacheA: string[] = [];
    const seenByCacheB: string[] = [];
    await subscriber.subscribe((e) => seenByCacheA.push(e.tenantId));
    await subscriber.subscribe((e) => seenByCacheB.push(e.tenantId));
    await (await replicaA.get()).flush(); // the subscription is registered on the server before we publish
    const tenantId = randomUUID();
    await publisher.publish({ tenantId });
    await until(() => seenByCacheA.length > 0 && seenByCacheB.length > 0);
    expect(seenByCacheA).toEqual([tenantId]);
    expect(seenByCacheB).toEqual([tenantId]);
  });

  it('reaches every replica (a broadcast: no queue group), and ignores malformed events', async () => {
    const seen: Record<string, string[]> = { a: [], b: [] };
    await new TenancyEvents(replicaA).subscribe((e) => seen.a?.push(e.tenantId));
    await new TenancyEvents(replicaB).subscribe((e) => seen.b?.push(e.tenantId));
    await Promise.all([replicaA, replicaB].map(async (c) => (await c.get()).flush()));
    (await publisherNats.get()).publish(`${process.env.RPC_NAMESPACE}.events.tenancy-changed`, Buffer.from('{"tenantId":"not a uuid"}'));
    const tenantId = randomUUID();
    await publisher.publish({ tenantId });
    await until(() => (seen.a?.length ?? 0) > 0 && (seen.b?.length ?? 0) > 0);
    expect(seen.a).toEqual([tenantId]);
    expect(seen.b).toEqual([tenantId]);
  });
});
