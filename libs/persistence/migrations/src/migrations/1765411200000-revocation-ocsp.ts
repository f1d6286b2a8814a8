import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revocation, CRLs that follow it, OCSP (docs/adr/010-revocation-crl-ocsp.md). All in the issuance schema (owner:
 * signer-worker):
 * - who revoked a certificate and why (the API key id and the operator's text, beside the RFC 5280 reason code and
 *   time that were already there), and who released a hold; reason codes limited to RFC 5280 §5.3.1's;
 * - certificates found by serial within a tenant (the admin API takes a serial without its CA);
 * - a revocation generation per CA, bumped in the transaction of every revocation or release and recorded with each
 *   CRL: a CRL older than the last revocation is due at once, and OCSP caches know when to drop a CA's answers;
 * - the delegated OCSP responder certificates of each CA, with their keys wrapped for the policy service.
 */
export class RevocationOcsp1765411200000 implements MigrationInterface {
  name = 'RevocationOcsp1765411200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE issuance.certificates
        ADD COLUMN revoked_by text,
        ADD COLUMN revocation_comment text,
        ADD COLUMN hold_released_at timestamptz,
        ADD COLUMN hold_released_by text,
        ADD CONSTRAINT certificates_revocation_reason CHECK (revocation_reason IS NULL OR revocation_reason IN (0, 1, 2, 3, 4, 5, 6, 8, 9, 10))`);
    await q.query(`CREATE INDEX certificates_tenant_serial ON issuance.certificates (tenant_id, serial_hex)`);
    await q.query(`ALTER TABLE issuance.certificate_authorities ADD COLUMN revocation_generation bigint NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE issuance.crls ADD COLUMN revocation_generation bigint NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE TABLE issuance.ocsp_responders (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        ca_id uuid NOT NULL REFERENCES issuance.certificate_authorities(id),
        certificate_der bytea NOT NULL,
        kek_id text NOT NULL,
        wrapped_key bytea NOT NULL,
        not_before timestamptz NOT NULL,
        not_after timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (not_after > not_before)
      )`);
    await q.query(`CREATE INDEX ocsp_responders_ca ON issuance.ocsp_responders (ca_id, not_after DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE issuance.ocsp_responders`);
    await q.query(`ALTER TABLE issuance.crls DROP COLUMN revocation_generation`);
    await q.query(`ALTER TABLE issuance.certificate_authorities DROP COLUMN revocation_generation`);
    await q.query(`DROP INDEX issuance.certificates_tenant_serial`);
    await q.query(`
      ALTER TABLE issuance.certificates DROP CONSTRAINT certificates_revocation_reason,
        DROP COLUMN revoked_by, DROP COLUMN revocation_comment, DROP COLUMN hold_released_at, DROP COLUMN hold_released_by`);
  }
}
