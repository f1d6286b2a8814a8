import { testRun } from '../test-env.int';
import { randomUUID } from 'node:crypto';
import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { startChallengeTestApp } from '../challenge-test-app.int';
import { ChallengeMetrics } from '../metrics/challenge-metrics';
import { ChallengeRecordPurger } from './challenge-record-purger';

const DAY_MS = 24 * 3600 * 1000;

describe('housekeeping of challenge records past retention (real PostgreSQL, default 30 days)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let dataSource: DataSource;
  let purger: ChallengeRecordPurger;
  const now = new Date();
  const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const [tenantA, tenantB, profileId] = [randomUUID(), randomUUID(), randomUUID()];

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ moduleRef, dataSource } = await startChallengeTestApp(db.url));
    purger = moduleRef.get(ChallengeRecordPurger);
  }, 60_000);

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  const insertChallenge = async (tenantId: string, expiresAt: Date, consumed: boolean): Promise<string> => {
    const id = randomUUID();
    await dataSource.query(
      `INSERT INTO challenge.dynamic_challenges (id, tenant_id, profile_id, secret_hash, expires_at, created_at, created_by,
                                                 consumed_at, consumed_transaction_id, consumed_key_fingerprint)
       VALUES ($1, $2, $3, sha256(convert_to($6, 'UTF8')), $4, $4::timestamptz - interval '1 hour', 'test',
               CASE WHEN $5 THEN $4::timestamptz - interval '1 minute' END, CASE WHEN $5 THEN 'tx-1' END, CASE WHEN $5 THEN 'fp' END)`,
      [id, tenantId, profileId, expiresAt, consumed, `hash-${id}`],
    );
    return id;
  };

  const insertNotification = async (createdAt: Date, sent: boolean): Promise<string> => {
    const id = randomUUID();
    await dataSource.query(
      `INSERT INTO challenge.intune_notifications (id, tenant_id, profile_id, transaction_id, kind, payload, sent_at, created_at)
       VALUES ($1, $2, $3, $6, 'success', '{}'::jsonb, CASE WHEN $5 THEN $4::timestamptz END, $4)`,
      [id, tenantA, profileId, createdAt, sent, `tx-${id}`],
    );
    return id;
  };

  const ids = async (table: string): Promise<string[]> =>
    ((await dataSource.query(`SELECT id FROM challenge.${table} ORDER BY id`)) as Array<{ id: string }>).map((row) => row.id).sort();

  it('deletes only what is past retention, across tenants and in batches, and counts it in metrics', async () => {
    await insertChallenge(tenantA, ago(31), true);
    await insertChallenge(tenantA, ago(400), false);
    // More than one batch of old rows in another tenant: the purge must loop until the table is clean.
    await dataSource.query(
      `INSERT INTO challenge.dynamic_challenges (id, tenant_id, profile_id, secret_hash, expires_at, created_by)
       SELECT gen_random_uuid(), $1, $2, sha256(('bulk-' || i)::bytea), $3::timestamptz - i * interval '1 second', 'test'
         FROM generate_series(1, 2500) AS i`,
      [tenantB, profileId, ago(45)],
    );
    const kept = [
      await insertChallenge(tenantA, ago(29), true), // expired, but inside retention: a late resend still finds it
      await insertChallenge(tenantB, ago(1), false),
      await insertChallenge(tenantA, new Date(now.getTime() + 3600_000), false), // still usable
    ].sort();
    await insertNotification(ago(31), true);
    await insertNotification(ago(60), false); // given up long ago
    const keptNotifications = [await insertNotification(ago(2), true), await insertNotification(ago(10), false)].sort();

    expect(await purger.purge(now)).toEqual({ dynamicChallenges: 2502, intuneNotifications: 2 });
    expect(await ids('dynamic_challenges')).toEqual(kept);
    expect(await ids('intune_notifications')).toEqual(keptNotifications);

    const metrics = await moduleRef.get(ChallengeMetrics).registry.getSingleMetricAsString('scep_challenge_records_purged_total');
    expect(metrics).toContain('scep_challenge_records_purged_total{kind="dynamic_challenge"} 2502');
    expect(metrics).toContain('scep_challenge_records_purged_total{kind="intune_notification"} 2');

    // Nothing left to do: a second run (or another replica's) deletes nothing.
    expect(await purger.purge(now)).toEqual({ dynamicChallenges: 0, intuneNotifications: 0 });
  });

  it('uses the expiry index rather than a full scan', async () => {
    // One connection: the planner setting must apply to the EXPLAIN.
    const runner = dataSource.createQueryRunner();
    try {
      await runner.query(`ANALYZE challenge.dynamic_challenges`);
      await runner.query(`SET enable_seqscan = off`);
      const plan = ((await runner.query(`EXPLAIN DELETE FROM challenge.dynamic_challenges WHERE id IN (SELECT id FROM challenge.dynamic_challenges WHERE expires_at < now() LIMIT 1000)`)) as Array<{ 'QUERY PLAN': string }>)
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      expect(plan).toContain('dynamic_challenges_expiry');
    } finally {
      await runner.query(`RESET enable_seqscan`).catch(() => undefined);
      await runner.release();
    }
  });
});
