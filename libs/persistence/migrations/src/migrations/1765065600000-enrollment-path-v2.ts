import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Enrollment path v2 (docs/adr/007-enrollment-path-v2.md): each thing stored once.
 * - The certificate lives only in issuance.certificates (owner: signer-worker); a transaction references it by
 *   serial and no longer keeps a copy of its DER.
 * - The challenge mode lives only in challenge.profile_settings (owner: challenge-service); tenancy.profiles no
 *   longer repeats it (profiles without a settings row get one with the mode they had).
 * - Transactions remember the client address they came from (audit, approvals), and the queued ones are indexed
 *   for the policy service's reconciliation sweep; certificates are indexed by subject for the duplicates rule.
 */
export class EnrollmentPathV21765065600000 implements MigrationInterface {
  name = 'EnrollmentPathV21765065600000';

  async up(q: QueryRunner): Promise<void> {
    // --- enrollment (owner: policy-service) ---
    await q.query(`ALTER TABLE enrollment.transactions DROP CONSTRAINT IF EXISTS transactions_check`);
    await q.query(`ALTER TABLE enrollment.transactions DROP COLUMN certificate_der`);
    await q.query(`ALTER TABLE enrollment.transactions ADD CONSTRAINT transactions_issued_has_certificate CHECK (status <> 'issued' OR certificate_serial IS NOT NULL)`);
    await q.query(`ALTER TABLE enrollment.transactions ADD COLUMN client_address text`);
    await q.query(`CREATE INDEX transactions_queued ON enrollment.transactions (created_at) WHERE status = 'queued'`);
    // --- issuance (owner: signer-worker) ---
    await q.query(`CREATE INDEX certificates_profile_subject ON issuance.certificates (tenant_id, profile_id, subject)`);
    // --- challenge mode: one owner ---
    await q.query(`
      INSERT INTO challenge.profile_settings (tenant_id, profile_id, mode)
      SELECT tenant_id, id, challenge_mode FROM tenancy.profiles
      ON CONFLICT (tenant_id, profile_id) DO NOTHING`);
    await q.query(`ALTER TABLE tenancy.profiles DROP COLUMN challenge_mode`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenancy.profiles ADD COLUMN challenge_mode text NOT NULL DEFAULT 'static' CHECK (challenge_mode IN ('static', 'dynamic', 'webhook', 'intune'))`);
    await q.query(`
      UPDATE tenancy.profiles p SET challenge_mode = s.mode
        FROM challenge.profile_settings s WHERE s.tenant_id = p.tenant_id AND s.profile_id = p.id`);
    await q.query(`DROP INDEX issuance.certificates_profile_subject`);
    await q.query(`DROP INDEX enrollment.transactions_queued`);
    await q.query(`ALTER TABLE enrollment.transactions DROP COLUMN client_address`);
    await q.query(`ALTER TABLE enrollment.transactions DROP CONSTRAINT transactions_issued_has_certificate`);
    await q.query(`ALTER TABLE enrollment.transactions ADD COLUMN certificate_der bytea`);
    await q.query(`
      UPDATE enrollment.transactions t SET certificate_der = c.certificate_der
        FROM issuance.certificates c WHERE c.tenant_id = t.tenant_id AND c.enrollment_id = t.id`);
    await q.query(`ALTER TABLE enrollment.transactions ADD CONSTRAINT transactions_check CHECK (status <> 'issued' OR certificate_der IS NOT NULL)`);
  }
}
