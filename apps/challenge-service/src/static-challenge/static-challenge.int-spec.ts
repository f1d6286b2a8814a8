import { testRun } from '../test-env.int';
import { randomUUID } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { challengeEntities } from '@scep/persistence-challenge';
import { databaseRootModule } from '@scep/persistence-core';
import { type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { NatsConnection, TenancyEvents } from '@scep/transport';
import { StaticChallengeService } from './static-challenge.service';

describe('StaticChallengeService (real PostgreSQL; invalidation over NATS)', () => {
  let db: TestDatabase;
  const replicas: TestingModule[] = [];
  const tenantId = randomUUID();
  const profileId = randomUUID();

  const replica = async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [databaseRootModule('challenge-test', challengeEntities)],
      providers: [StaticChallengeService, NatsConnection, TenancyEvents],
    }).compile();
    await moduleRef.init();
    replicas.push(moduleRef);
    return moduleRef;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas) await r.close();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  it('stores only a keyed hash and accepts exactly the configured challenge', async () => {
    const service = (await replica()).get(StaticChallengeService);
    expect(await service.verify(tenantId, profileId, 'anything')).toEqual({ decision: 'reject', reason: 'not-configured' });
    await service.set(tenantId, profileId, 'Correct-Horse-Battery-1', 0);
    const dataSource = replicas[0]?.get<DataSource>(getDataSourceToken());
    const rows = await dataSource?.query(`SELECT secret_hash FROM challenge.static_challenges WHERE profile_id = $1`, [profileId]);
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0].secret_hash).toString('latin1')).not.toContain('Correct-Horse');
    expect(await service.verify(tenantId, profileId, 'Correct-Horse-Battery-1')).toEqual({ decision: 'accept' });
    expect(await service.verify(tenantId, profileId, 'correct-horse-battery-1')).toEqual({ decision: 'reject', reason: 'mismatch' });
    expect(await service.verify(tenantId, profileId, undefined)).toEqual({ decision: 'reject', reason: 'missing' });
    expect(await service.verify(tenantId, randomUUID(), 'Correct-Horse-Battery-1')).toEqual({ decision: 'reject', reason: 'not-configured' });
    expect(await service.verify(randomUUID(), profileId, 'Correct-Horse-Battery-1')).toEqual({ decision: 'reject', reason: 'not-configured' });
  });

  it('replaces the challenge on every replica: the old one stops working everywhere', async () => {
    const [a, b] = [(await replica()).get(StaticChallengeService), (await replica()).get(StaticChallengeService)];
    const profile = randomUUID();
    await a.set(tenantId, profile, 'first-challenge-value', 0);
    expect(await b.verify(tenantId, profile, 'first-challenge-value')).toEqual({ decision: 'accept' }); // b caches it now
    await a.set(tenantId, profile, 'second-challenge-value', 0);
    let result;
    for (let i = 0; i < 40; i++) {
      result = await b.verify(tenantId, profile, 'first-challenge-value');
      if (result.decision === 'reject') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(result).toEqual({ decision: 'reject', reason: 'mismatch' });
    expect(await b.verify(tenantId, profile, 'second-challenge-value')).toEqual({ decision: 'accept' });
  });

  describe('rotation with an overlap window', () => {
    it('keeps the previous challenge working until the overlap ends, then only the new one', async () => {
      const service = (await replica()).get(StaticChallengeService);
      const dataSource = replicas[0]?.get<DataSource>(getDataSourceToken()) as DataSource;
      const profile = randomUUID();
      await service.set(tenantId, profile, 'old-static-challenge', 0);
      expect(await service.verify(tenantId, profile, 'old-static-challenge')).toEqual({ decision: 'accept' }); // cached now
      const before = Date.now();
      await service.set(tenantId, profile, 'new-static-challenge', 3600);
      expect(await service.verify(tenantId, profile, 'old-static-challenge')).toEqual({ decision: 'accept' });
      expect(await service.verify(tenantId, profile, 'new-static-challenge')).toEqual({ decision: 'accept' });
      const [previous] = await dataSource.query(`SELECT not_after FROM challenge.static_challenges WHERE profile_id = $1 AND not_after IS NOT NULL`, [profile]);
      const notAfter = new Date(previous.not_after).getTime();
      expect(notAfter).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
      expect(notAfter).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
    });

    it('stops the previous challenge by the clock, even while its hash is cached', async () => {
      const service = (await replica()).get(StaticChallengeService);
      const profile = randomUUID();
      await service.set(tenantId, profile, 'old-static-challenge', 0);
      await service.set(tenantId, profile, 'new-static-challenge', 1);
      expect(await service.verify(tenantId, profile, 'old-static-challenge')).toEqual({ decision: 'accept' });
      await new Promise((r) => setTimeout(r, 1100));
      expect(await service.verify(tenantId, profile, 'old-static-challenge')).toEqual({ decision: 'reject', reason: 'mismatch' });
      expect(await service.verify(tenantId, profile, 'new-static-challenge')).toEqual({ decision: 'accept' });
    });

    it('an emergency rotation (overlap 0) also ends earlier overlaps at once', async () => {
      const service = (await replica()).get(StaticChallengeService);
      const profile = randomUUID();
      await service.set(tenantId, profile, 'first-static-value', 0);
      await service.set(tenantId, profile, 'second-static-value', 3600);
      expect(await service.verify(tenantId, profile, 'first-static-value')).toEqual({ decision: 'accept' });
      await service.set(tenantId, profile, 'third-static-value', 0);
      expect(await service.verify(tenantId, profile, 'first-static-value')).toEqual({ decision: 'reject', reason: 'mismatch' });
      expect(await service.verify(tenantId, profile, 'second-static-value')).toEqual({ decision: 'reject', reason: 'mismatch' });
      expect(await service.verify(tenantId, profile, 'third-static-value')).toEqual({ decision: 'accept' });
    });
  });
});
