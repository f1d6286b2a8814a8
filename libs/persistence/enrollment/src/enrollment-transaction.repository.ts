import { Injectable } from '@nestjs/common';
import { SqlClient, isUniqueViolation, statement } from '@scep/persistence-core';
import type { EnrollmentStatus, EnrollmentTransactionEntity } from './enrollment-transaction.entity';

/** A transaction as the hot path reads it: everything but the CSR bytes (findCsr reads those when needed). */
export type EnrollmentTransaction = Omit<EnrollmentTransactionEntity, 'csrDer'>;

/** A certificate the signer issued for a transaction, to be recorded (markIssued). */
export interface IssuedRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly serialHex: string;
}

const COLUMNS = `id, tenant_id, profile_id, transaction_id, message_type, status, csr_fingerprint, key_fingerprint,
  signer_fingerprint, signer_certificate_fingerprint, renewal_of_serial, renewal_seq, issuing_ca_id, subject, request_cipher,
  request_digest, client_address, fail_info, status_reason, decision, certificate_serial, created_at, updated_at,
  completed_at, superseded_at, pending_until, decided_by, decided_at`;

const SQL = {
  findLive: statement(
    'enrollment.find-live',
    `SELECT ${COLUMNS} FROM enrollment.transactions
      WHERE tenant_id = $1 AND profile_id = $2 AND transaction_id = $3 AND superseded_at IS NULL`,
  ),
  findById: statement('enrollment.find-by-id', `SELECT ${COLUMNS} FROM enrollment.transactions WHERE tenant_id = $1 AND id = $2`),
  findCsr: statement('enrollment.find-csr', `SELECT csr_der FROM enrollment.transactions WHERE tenant_id = $1 AND id = $2`),
  insert: statement(
    'enrollment.insert',
    `INSERT INTO enrollment.transactions (id, tenant_id, profile_id, transaction_id, message_type, status, csr_der,
        csr_fingerprint, key_fingerprint, signer_fingerprint, signer_certificate_fingerprint, renewal_of_serial,
        issuing_ca_id, subject, request_cipher, request_digest, client_address, fail_info, status_reason, decision,
        completed_at, pending_until, renewal_seq)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
     ON CONFLICT (tenant_id, profile_id, transaction_id) WHERE superseded_at IS NULL DO NOTHING
     RETURNING created_at`,
  ),
  supersede: statement(
    'enrollment.supersede',
    `UPDATE enrollment.transactions SET superseded_at = now(), updated_at = now()
      WHERE tenant_id = $1 AND id = $2 AND superseded_at IS NULL AND status IN ('issued', 'rejected', 'failed', 'expired')`,
  ),
  approve: statement(
    'enrollment.approve',
    `UPDATE enrollment.transactions
        SET status = 'queued', decided_by = $3, decided_at = now(), updated_at = now(),
            decision = jsonb_set(decision, '{approver}', to_jsonb($3::text))
      WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND pending_until > now()`,
  ),
  reject: statement(
    'enrollment.reject',
    `UPDATE enrollment.transactions
        SET status = 'rejected', fail_info = 'badRequest', status_reason = $4, decided_by = $3, decided_at = now(),
            completed_at = now(), updated_at = now()
      WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`,
  ),
  expire: statement(
    'enrollment.expire',
    `UPDATE enrollment.transactions SET status = 'expired', fail_info = 'badCertId', status_reason = 'approval expired',
            completed_at = now(), updated_at = now()
      WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND pending_until <= now()`,
  ),
  markIssued: statement(
    'enrollment.mark-issued',
    `UPDATE enrollment.transactions t
        SET status = 'issued', certificate_serial = v.serial_hex, completed_at = now(), updated_at = now()
       FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS v(tenant_id, id, serial_hex)
      WHERE t.tenant_id = v.tenant_id AND t.id = v.id AND t.status IN ('queued', 'pending')
      RETURNING t.id`,
  ),
  markFailed: statement(
    'enrollment.mark-failed',
    `UPDATE enrollment.transactions SET status = 'failed', fail_info = $3, status_reason = $4, completed_at = now(), updated_at = now()
      WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'pending')`,
  ),
  queuedBefore: statement(
    'enrollment.queued-before',
    `SELECT ${COLUMNS} FROM enrollment.transactions WHERE status = 'queued' AND created_at < $1 ORDER BY created_at LIMIT $2`,
  ),
  renewalsOf: statement(
    'enrollment.renewals-of',
    `SELECT count(*)::int AS n FROM enrollment.transactions
      WHERE tenant_id = $1 AND renewal_of_serial = $2 AND renewal_seq IS NOT NULL`,
  ),
  find: statement(
    'enrollment.find',
    `SELECT ${COLUMNS} FROM enrollment.transactions
      WHERE tenant_id = $1 AND ($2::uuid IS NULL OR profile_id = $2) AND ($3::text IS NULL OR status = $3)
        AND ($4::text IS NULL OR transaction_id = $4)
      ORDER BY created_at DESC LIMIT $5`,
  ),
};

/**
 * Data access for enrollment transactions (owner: policy-service): one guarded statement per method, every one
 * scoped by tenant except the reconciliation sweep, which is by time only.
 */
@Injectable()
export class EnrollmentTransactionRepository {
  constructor(private readonly sql: SqlClient) {}

  /** The live (not superseded) transaction of a profile with this transactionID. */
  async findLive(tenantId: string, profileId: string, transactionId: string): Promise<EnrollmentTransaction | undefined> {
    const row = await this.sql.one(SQL.findLive, [tenantId, profileId, transactionId]);
    return row && toTransaction(row);
  }

  async findById(tenantId: string, id: string): Promise<EnrollmentTransaction | undefined> {
    const row = await this.sql.one(SQL.findById, [tenantId, id]);
    return row && toTransaction(row);
  }

  /** Renewal slots of a certificate already taken (renewals approved or waiting, superseded ones included). */
  async renewalsOf(tenantId: string, serialHex: string): Promise<number> {
    return (await this.sql.one<{ n: number }>(SQL.renewalsOf, [tenantId, serialHex]))?.n ?? 0;
  }

  /** The CSR of a transaction (to build its signing approval again, or to tell Intune about it). */
  async findCsr(tenantId: string, id: string): Promise<Buffer | undefined> {
    return (await this.sql.one<{ csr_der: Buffer }>(SQL.findCsr, [tenantId, id]))?.csr_der;
  }

  /**
   * Inserts unless a live transaction with the same (tenant, profile, transactionID) exists — the unique index
   * decides under concurrency. Returns the row's creation time, or undefined when another request got there first.
   */
  async insertIfAbsent(row: EnrollmentTransactionEntity): Promise<Date | undefined> {
    const inserted = await this.sql.one<{ created_at: Date }>(SQL.insert, [
      row.id, row.tenantId, row.profileId, row.transactionId, row.messageType, row.status, row.csrDer,
      row.csrFingerprint, row.keyFingerprint, row.signerFingerprint, row.signerCertificateFingerprint, row.renewalOfSerial,
      row.issuingCaId, row.subject, row.requestCipher, row.requestDigest, row.clientAddress, row.failInfo, row.statusReason,
      row.decision, row.completedAt, row.pendingUntil, row.renewalSeq,
    ]).catch((error: unknown) => {
      if (isUniqueViolation(error) && (error as { constraint?: string }).constraint === 'transactions_renewal_slot') throw new RenewalSlotTaken();
      throw error;
    });
    return inserted?.created_at;
  }

  /**
   * Retires a completed transaction so that its transactionID can start a new one (a renewal with the same key,
   * scep-protocol.md §9.4). Returns false when it is not completed or already retired.
   */
  async supersede(tenantId: string, id: string): Promise<boolean> {
    return (await this.sql.count(SQL.supersede, [tenantId, id])) > 0;
  }

  /** An operator approved a pending request: pending -> queued (only while it has not expired). */
  async approve(tenantId: string, id: string, actor: string): Promise<boolean> {
    return (await this.sql.count(SQL.approve, [tenantId, id, actor])) > 0;
  }

  /** An operator rejected a pending request: pending -> rejected (FAILURE badRequest at the next poll). */
  async reject(tenantId: string, id: string, actor: string, reason: string): Promise<boolean> {
    return (await this.sql.count(SQL.reject, [tenantId, id, actor, reason])) > 0;
  }

  /** A pending request nobody decided in time: pending -> expired (FAILURE badCertId, scep-protocol.md §9.1). */
  async expire(tenantId: string, id: string): Promise<boolean> {
    return (await this.sql.count(SQL.expire, [tenantId, id])) > 0;
  }

  /**
   * queued/pending -> issued for a batch of signing outcomes, in one statement. Returns the ids it changed (the others
   * were already recorded, or are no longer awaiting a certificate).
   */
  async markIssued(records: readonly IssuedRecord[]): Promise<string[]> {
    if (records.length === 0) return [];
    const rows = await this.sql.rows<{ id: string }>(SQL.markIssued, [records.map((r) => r.tenantId), records.map((r) => r.id), records.map((r) => r.serialHex)]);
    return rows.map((r) => r.id);
  }

  /** queued/pending -> failed (the signer gave up, or its approval ran out). */
  async markFailed(tenantId: string, id: string, failInfo: string, reason: string): Promise<boolean> {
    return (await this.sql.count(SQL.markFailed, [tenantId, id, failInfo, reason.slice(0, 200)])) > 0;
  }

  /** Queued transactions older than `before`, oldest first, across tenants (the reconciliation sweep). */
  async queuedBefore(before: Date, limit: number): Promise<EnrollmentTransaction[]> {
    return (await this.sql.rows(SQL.queuedBefore, [before, limit])).map(toTransaction);
  }

  /** Transactions of a tenant, newest first (operators' view: pending approvals, "why was this refused?"). */
  async find(tenantId: string, filter: { profileId?: string; status?: EnrollmentStatus; transactionId?: string; limit: number }): Promise<EnrollmentTransaction[]> {
    const rows = await this.sql.rows(SQL.find, [tenantId, filter.profileId ?? null, filter.status ?? null, filter.transactionId ?? null, filter.limit]);
    return rows.map(toTransaction);
  }
}

function toTransaction(row: Record<string, unknown>): EnrollmentTransaction {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    profileId: row.profile_id as string,
    transactionId: row.transaction_id as string,
    messageType: row.message_type as number,
    status: row.status as EnrollmentStatus,
    csrFingerprint: row.csr_fingerprint as string,
    keyFingerprint: row.key_fingerprint as string,
    signerFingerprint: row.signer_fingerprint as string,
    signerCertificateFingerprint: (row.signer_certificate_fingerprint as string | null) ?? null,
    renewalOfSerial: (row.renewal_of_serial as string | null) ?? null,
    renewalSeq: (row.renewal_seq as number | null) ?? null,
    issuingCaId: (row.issuing_ca_id as string | null) ?? null,
    subject: row.subject as string,
    requestCipher: row.request_cipher as string,
    requestDigest: row.request_digest as string,
    clientAddress: (row.client_address as string | null) ?? null,
    failInfo: (row.fail_info as string | null) ?? null,
    statusReason: (row.status_reason as string | null) ?? null,
    decision: row.decision as EnrollmentTransaction['decision'],
    certificateSerial: (row.certificate_serial as string | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    completedAt: (row.completed_at as Date | null) ?? null,
    supersededAt: (row.superseded_at as Date | null) ?? null,
    pendingUntil: (row.pending_until as Date | null) ?? null,
    decidedBy: (row.decided_by as string | null) ?? null,
    decidedAt: (row.decided_at as Date | null) ?? null,
  };
}

/** Another renewal of the same certificate took the slot this one was to take (concurrent renewals). */
export class RenewalSlotTaken extends Error {
  constructor() {
    super('renewal slot taken');
  }
}
