import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 8894 completion: renewal (who signed a request), CRLs (GetCRL and the CRL distribution point), CA rollover
 * (GetNextCACert: a profile's next CA/RA and the previous pair kept for an overlap), and per-profile policy rules
 * as versioned data owned by the policy service.
 */
export class ProtocolCompletion1764403200000 implements MigrationInterface {
  name = 'ProtocolCompletion1764403200000';

  async up(q: QueryRunner): Promise<void> {
    // --- issuance (owner: signer-worker) ---
    await q.query(`ALTER TABLE issuance.certificates ADD COLUMN revoked_at timestamptz, ADD COLUMN revocation_reason smallint`);
    await q.query(`CREATE INDEX certificates_revoked ON issuance.certificates (ca_id) WHERE revoked_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE issuance.crls (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        ca_id uuid NOT NULL REFERENCES issuance.certificate_authorities(id),
        crl_number bigint NOT NULL,
        this_update timestamptz NOT NULL,
        next_update timestamptz NOT NULL,
        crl_der bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (ca_id, crl_number)
      )`);

    // --- tenancy (owner: admin-api): CA generations of a profile ---
    await q.query(`
      ALTER TABLE tenancy.profiles
        ADD COLUMN next_ca_id uuid,
        ADD COLUMN next_ra_credential_id uuid,
        ADD COLUMN ca_switch_at timestamptz,
        ADD COLUMN previous_ca_id uuid,
        ADD COLUMN previous_ra_credential_id uuid,
        ADD CONSTRAINT profiles_next_complete CHECK ((next_ca_id IS NULL) = (next_ra_credential_id IS NULL) AND (next_ca_id IS NULL) = (ca_switch_at IS NULL)),
        ADD CONSTRAINT profiles_previous_complete CHECK ((previous_ca_id IS NULL) = (previous_ra_credential_id IS NULL))`);

    // --- enrollment (owner: policy-service) ---
    await q.query(`
      ALTER TABLE enrollment.transactions
        ADD COLUMN signer_certificate_fingerprint text,
        ADD COLUMN renewal_of_serial text,
        ADD COLUMN issuing_ca_id uuid`);
    await q.query(`
      CREATE TABLE enrollment.profile_policies (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        profile_id uuid NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        rules jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        UNIQUE (tenant_id, profile_id, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE enrollment.profile_policies`);
    await q.query(`ALTER TABLE enrollment.transactions DROP COLUMN signer_certificate_fingerprint, DROP COLUMN renewal_of_serial, DROP COLUMN issuing_ca_id`);
    await q.query(`
      ALTER TABLE tenancy.profiles DROP CONSTRAINT profiles_next_complete, DROP CONSTRAINT profiles_previous_complete,
        DROP COLUMN next_ca_id, DROP COLUMN next_ra_credential_id, DROP COLUMN ca_switch_at, DROP COLUMN previous_ca_id, DROP COLUMN previous_ra_credential_id`);
    await q.query(`DROP TABLE issuance.crls`);
    await q.query(`DROP INDEX issuance.certificates_revoked`);
    await q.query(`ALTER TABLE issuance.certificates DROP COLUMN revoked_at, DROP COLUMN revocation_reason`);
  }
}
