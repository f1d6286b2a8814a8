import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hardening after the external review (docs/adr/008-abuse-and-client-addresses.md):
 * - each profile names the content ciphers it accepts (RFC 8894 §2.9: single DES MUST NOT be used). New profiles
 *   accept AES-128/192/256 and 3DES; profiles that existed before keep single DES as well, so that no fleet stops
 *   enrolling at an upgrade — an operator removes it with PATCH .../profiles/{p}.
 * - renewals are looked up by the serial they renew ("at most one renewal per certificate").
 */
export class Hardening1765152000000 implements MigrationInterface {
  name = 'Hardening1765152000000';

  async up(q: QueryRunner): Promise<void> {
    // --- tenancy (owner: admin-api) ---
    await q.query(`
      ALTER TABLE tenancy.profiles ADD COLUMN content_ciphers text[] NOT NULL
        DEFAULT ARRAY['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'des-ede3-cbc']::text[]
        CHECK (cardinality(content_ciphers) >= 1
           AND content_ciphers <@ ARRAY['des-cbc', 'des-ede3-cbc', 'aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc']::text[])`);
    await q.query(`UPDATE tenancy.profiles SET content_ciphers = content_ciphers || ARRAY['des-cbc']::text[]`);
    // --- enrollment (owner: policy-service) ---
    await q.query(`
      CREATE INDEX transactions_renewal_of ON enrollment.transactions (tenant_id, renewal_of_serial)
       WHERE renewal_of_serial IS NOT NULL AND superseded_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX enrollment.transactions_renewal_of`);
    await q.query(`ALTER TABLE tenancy.profiles DROP COLUMN content_ciphers`);
  }
}
