import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention of the challenge service's per-enrollment records: one-time challenges long past their expiry and Intune
 * notifications long past delivery are purged in batches (owner: challenge-service). These indexes keep each batch
 * an index range scan instead of a full table scan on tables that grow by one row per enrollment.
 */
export class ChallengeRecordRetention1764576000000 implements MigrationInterface {
  name = 'ChallengeRecordRetention1764576000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX dynamic_challenges_expiry ON challenge.dynamic_challenges (expires_at)`);
    await q.query(`CREATE INDEX intune_notifications_created ON challenge.intune_notifications (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX challenge.intune_notifications_created`);
    await q.query(`DROP INDEX challenge.dynamic_challenges_expiry`);
  }
}
