import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hardening after the external review (docs/adr/008-abuse-and-client-addresses.md):
 * - each profile names the content ciphers it accepts (RFC 8894 §2.9: single DES MUST NOT be used). New profiles
 *   accept AES-128/192/256 and 3DES; profiles that existed before keep single DES as well, so that no fleet stops
 *   enrolling at an upgrade — an operator removes it with PATCH .../profiles/{p}.
 * - a renewal takes a numbered slot of the certificate it renews (renewal_seq 1..n, unique per serial), so that
 *   "at most n renewals per certificate" holds under concurrency; refused renewals take none. Superseded renewals
 *   keep their slot.
 * - a profile allows no SAN type until its rules name it. Profiles that existed before and never stored rules get
 *   rules allowing the four types they allowed implicitly (version 1, "migration"), so no fleet stops at an upgrade.
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
    await q.query(`ALTER TABLE enrollment.transactions ADD COLUMN renewal_seq smallint CHECK (renewal_seq BETWEEN 1 AND 100)`);
    await q.query(`
      CREATE UNIQUE INDEX transactions_renewal_slot ON enrollment.transactions (tenant_id, renewal_of_serial, renewal_seq)
       WHERE renewal_seq IS NOT NULL`);
    await q.query(`
      INSERT INTO enrollment.profile_policies (id, tenant_id, profile_id, version, rules, created_by)
      SELECT gen_random_uuid(), p.tenant_id, p.id, 1,
             '{"subjectAltNames": {"dns": {"allowed": true}, "email": {"allowed": true}, "uri": {"allowed": true}, "ip": {"allowed": true}}}'::jsonb,
             'migration: explicit SAN rules for a profile created before SAN types had to be named'
        FROM tenancy.profiles p
       WHERE NOT EXISTS (SELECT 1 FROM enrollment.profile_policies r WHERE r.tenant_id = p.tenant_id AND r.profile_id = p.id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM enrollment.profile_policies WHERE version = 1 AND created_by LIKE 'migration: explicit SAN rules%'`);
    await q.query(`DROP INDEX enrollment.transactions_renewal_slot`);
    await q.query(`ALTER TABLE enrollment.transactions DROP COLUMN renewal_seq`);
    await q.query(`ALTER TABLE tenancy.profiles DROP COLUMN content_ciphers`);
  }
}
