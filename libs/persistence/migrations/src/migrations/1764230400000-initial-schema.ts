import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The initial data model: one Postgres schema per owning service (docs/adr/002-boundaries-and-data-ownership.md).
 * Every table holding tenant data carries tenant_id. No cross-owner foreign keys: owners evolve their schemas alone.
 */
export class InitialSchema1764230400000 implements MigrationInterface {
  name = 'InitialSchema1764230400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS tenancy`);
    await q.query(`CREATE SCHEMA IF NOT EXISTS challenge`);
    await q.query(`CREATE SCHEMA IF NOT EXISTS enrollment`);
    await q.query(`CREATE SCHEMA IF NOT EXISTS issuance`);

    // --- tenancy (owner: admin-api) ---
    await q.query(`
      CREATE TABLE tenancy.tenants (
        id uuid PRIMARY KEY,
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        display_name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE tenancy.profiles (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenancy.tenants(id),
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        status text NOT NULL CHECK (status IN ('provisioning', 'active', 'disabled')),
        ca_id uuid NOT NULL,
        ra_credential_id uuid,
        challenge_mode text NOT NULL DEFAULT 'static' CHECK (challenge_mode IN ('static')),
        validity_days integer NOT NULL CHECK (validity_days BETWEEN 1 AND 3650),
        sync_wait_ms integer NOT NULL CHECK (sync_wait_ms BETWEEN 0 AND 60000),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, slug),
        CHECK (status <> 'active' OR ra_credential_id IS NOT NULL)
      )`);
    await q.query(`
      CREATE TABLE tenancy.api_keys (
        id uuid PRIMARY KEY,
        tenant_id uuid REFERENCES tenancy.tenants(id),
        name text NOT NULL,
        key_id text NOT NULL UNIQUE,
        secret_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`COMMENT ON COLUMN tenancy.api_keys.tenant_id IS 'NULL: platform operator key (all tenants)'`);

    // --- challenge (owner: challenge-service) ---
    await q.query(`
      CREATE TABLE challenge.static_challenges (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        profile_id uuid NOT NULL,
        secret_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        not_after timestamptz
      )`);
    await q.query(`CREATE INDEX static_challenges_profile ON challenge.static_challenges (tenant_id, profile_id)`);

    // --- enrollment (owner: policy-service) ---
    await q.query(`
      CREATE TABLE enrollment.transactions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        profile_id uuid NOT NULL,
        transaction_id text NOT NULL,
        message_type smallint NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'pending', 'issued', 'rejected', 'failed')),
        csr_der bytea NOT NULL,
        csr_fingerprint text NOT NULL,
        key_fingerprint text NOT NULL,
        signer_fingerprint text NOT NULL,
        subject text NOT NULL,
        request_cipher text NOT NULL,
        request_digest text NOT NULL,
        fail_info text,
        status_reason text,
        decision jsonb NOT NULL DEFAULT '{}'::jsonb,
        certificate_serial text,
        certificate_der bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        superseded_at timestamptz,
        CHECK (status <> 'issued' OR certificate_der IS NOT NULL)
      )`);
    // One live transaction per (tenant, profile, transactionID): the guarantee against double issuance (RFC 8894 §3.2.1.1).
    await q.query(`
      CREATE UNIQUE INDEX transactions_live_key ON enrollment.transactions (tenant_id, profile_id, transaction_id)
      WHERE superseded_at IS NULL`);
    await q.query(`CREATE INDEX transactions_tenant_created ON enrollment.transactions (tenant_id, created_at DESC)`);

    // --- issuance (owner: signer-worker) ---
    await q.query(`
      CREATE TABLE issuance.certificate_authorities (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL,
        subject text NOT NULL,
        certificate_der bytea NOT NULL,
        key_spec text NOT NULL,
        not_before timestamptz NOT NULL,
        not_after timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, name)
      )`);
    // Private keys live in their own table so that read-only consumers of CA certificates never select a key blob.
    await q.query(`
      CREATE TABLE issuance.ca_keys (
        ca_id uuid PRIMARY KEY REFERENCES issuance.certificate_authorities(id),
        tenant_id uuid NOT NULL,
        kek_id text NOT NULL,
        wrapped_key bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE issuance.ra_credentials (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        ca_id uuid NOT NULL REFERENCES issuance.certificate_authorities(id),
        certificate_der bytea NOT NULL,
        kek_id text NOT NULL,
        wrapped_key bytea NOT NULL,
        not_after timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE issuance.certificates (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        ca_id uuid NOT NULL REFERENCES issuance.certificate_authorities(id),
        profile_id uuid NOT NULL,
        enrollment_id uuid NOT NULL,
        serial_hex text NOT NULL,
        subject text NOT NULL,
        not_before timestamptz NOT NULL,
        not_after timestamptz NOT NULL,
        certificate_der bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, enrollment_id),
        UNIQUE (ca_id, serial_hex)
      )`);
    await q.query(`CREATE INDEX certificates_tenant_created ON issuance.certificates (tenant_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA issuance CASCADE`);
    await q.query(`DROP SCHEMA enrollment CASCADE`);
    await q.query(`DROP SCHEMA challenge CASCADE`);
    await q.query(`DROP SCHEMA tenancy CASCADE`);
  }
}
