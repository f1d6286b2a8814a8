import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Challenges, policy and approval: per-profile challenge configuration (static with rotation overlap, dynamic
 * one-time, webhook, Intune), the dynamic challenge store, Intune connections and the durable notification outbox
 * (owner: challenge-service); pending approvals with expiry and who decided (owner: policy-service).
 */
export class ChallengesPolicyApproval1764489600000 implements MigrationInterface {
  name = 'ChallengesPolicyApproval1764489600000';

  async up(q: QueryRunner): Promise<void> {
    // --- challenge (owner: challenge-service) ---
    await q.query(`
      CREATE TABLE challenge.profile_settings (
        tenant_id uuid NOT NULL,
        profile_id uuid NOT NULL,
        mode text NOT NULL CHECK (mode IN ('static', 'dynamic', 'webhook', 'intune')),
        dynamic_default_ttl_seconds integer NOT NULL DEFAULT 3600 CHECK (dynamic_default_ttl_seconds BETWEEN 60 AND 2592000),
        webhook_url text,
        webhook_secret_wrapped bytea,
        webhook_timeout_ms integer CHECK (webhook_timeout_ms BETWEEN 100 AND 30000),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, profile_id),
        CHECK (mode <> 'webhook' OR (webhook_url IS NOT NULL AND webhook_secret_wrapped IS NOT NULL AND webhook_timeout_ms IS NOT NULL))
      )`);
    await q.query(`
      CREATE TABLE challenge.dynamic_challenges (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        profile_id uuid NOT NULL,
        secret_hash bytea NOT NULL UNIQUE,
        expected_subject text,
        expected_sans jsonb,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        consumed_at timestamptz,
        consumed_transaction_id text,
        consumed_key_fingerprint text,
        CHECK ((consumed_at IS NULL) = (consumed_transaction_id IS NULL) AND (consumed_at IS NULL) = (consumed_key_fingerprint IS NULL))
      )`);
    await q.query(`CREATE INDEX dynamic_challenges_profile ON challenge.dynamic_challenges (tenant_id, profile_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE challenge.intune_connections (
        tenant_id uuid PRIMARY KEY,
        azure_tenant_id text NOT NULL,
        client_id text NOT NULL,
        client_secret_wrapped bytea NOT NULL,
        login_url text NOT NULL,
        graph_url text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE challenge.intune_notifications (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        profile_id uuid NOT NULL,
        transaction_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('success', 'failure')),
        payload jsonb NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, profile_id, transaction_id, kind)
      )`);
    await q.query(`CREATE INDEX intune_notifications_unsent ON challenge.intune_notifications (created_at) WHERE sent_at IS NULL`);

    // --- enrollment (owner: policy-service): manual approval ---
    await q.query(`ALTER TABLE enrollment.transactions DROP CONSTRAINT transactions_status_check`);
    await q.query(`ALTER TABLE enrollment.transactions ADD CONSTRAINT transactions_status_check CHECK (status IN ('queued', 'pending', 'issued', 'rejected', 'failed', 'expired'))`);
    await q.query(`ALTER TABLE enrollment.transactions ADD COLUMN pending_until timestamptz, ADD COLUMN decided_by text, ADD COLUMN decided_at timestamptz`);
    await q.query(`CREATE INDEX transactions_pending ON enrollment.transactions (tenant_id, profile_id, created_at) WHERE status = 'pending'`);

    // --- tenancy (owner: admin-api): the modes a profile can have ---
    await q.query(`ALTER TABLE tenancy.profiles DROP CONSTRAINT profiles_challenge_mode_check`);
    await q.query(`ALTER TABLE tenancy.profiles ADD CONSTRAINT profiles_challenge_mode_check CHECK (challenge_mode IN ('static', 'dynamic', 'webhook', 'intune'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenancy.profiles DROP CONSTRAINT profiles_challenge_mode_check`);
    await q.query(`ALTER TABLE tenancy.profiles ADD CONSTRAINT profiles_challenge_mode_check CHECK (challenge_mode IN ('static'))`);
    await q.query(`DROP INDEX enrollment.transactions_pending`);
    await q.query(`ALTER TABLE enrollment.transactions DROP COLUMN pending_until, DROP COLUMN decided_by, DROP COLUMN decided_at`);
    await q.query(`ALTER TABLE enrollment.transactions DROP CONSTRAINT transactions_status_check`);
    await q.query(`ALTER TABLE enrollment.transactions ADD CONSTRAINT transactions_status_check CHECK (status IN ('queued', 'pending', 'issued', 'rejected', 'failed'))`);
    await q.query(`DROP TABLE challenge.intune_notifications`);
    await q.query(`DROP TABLE challenge.intune_connections`);
    await q.query(`DROP TABLE challenge.dynamic_challenges`);
    await q.query(`DROP TABLE challenge.profile_settings`);
  }
}
