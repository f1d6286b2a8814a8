import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type EnrollmentStatus = 'queued' | 'pending' | 'issued' | 'rejected' | 'failed' | 'expired';

/** The certificate as policy shaped it (what the signer is asked to issue). */
export interface CertificatePlanRecord {
  subjectDn?: string;
  subject: string;
  subjectAltNames: Array<{ type: string; value: string }>;
  keyUsage: string[];
  extendedKeyUsage: string[];
  validityDays: number;
}

/** Why a transaction was decided the way it was (every rule's result, who or what approved, when, under which rules). */
export interface DecisionRecord {
  rules: Array<{ rule: string; passed: boolean; detail: string }>;
  decidedAt: string;
  /** 'auto', 'operator' (pending until an operator decides), or the operator's identity once decided. */
  approver: string;
  policyVersion?: number;
  plan?: CertificatePlanRecord;
}

/** One SCEP transaction of a profile (RFC 8894 §3.2.1.1), its decision and its outcome. */
@Entity({ schema: 'enrollment', name: 'transactions' })
export class EnrollmentTransactionEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('uuid', { name: 'profile_id' }) profileId: string;
  @Column('text', { name: 'transaction_id' }) transactionId: string;
  @Column('smallint', { name: 'message_type' }) messageType: number;
  @Column('text') status: EnrollmentStatus;
  @Column('bytea', { name: 'csr_der' }) csrDer: Buffer;
  @Column('text', { name: 'csr_fingerprint' }) csrFingerprint: string;
  @Column('text', { name: 'key_fingerprint' }) keyFingerprint: string;
  @Column('text', { name: 'signer_fingerprint' }) signerFingerprint: string;
  /** SHA-256 of the signer certificate itself: a renewal by the same key with an issued certificate is a new request. */
  @Column('text', { name: 'signer_certificate_fingerprint', nullable: true }) signerCertificateFingerprint: string | null;
  /** Serial (hex) of the certificate a renewal was authenticated by. */
  @Column('text', { name: 'renewal_of_serial', nullable: true }) renewalOfSerial: string | null;
  /** The CA that issues this transaction's certificate (the one whose RA the request was encrypted to, RFC 8894 §4.7). */
  @Column('uuid', { name: 'issuing_ca_id', nullable: true }) issuingCaId: string | null;
  @Column('text') subject: string;
  @Column('text', { name: 'request_cipher' }) requestCipher: string;
  @Column('text', { name: 'request_digest' }) requestDigest: string;
  @Column('text', { name: 'fail_info', nullable: true }) failInfo: string | null;
  @Column('text', { name: 'status_reason', nullable: true }) statusReason: string | null;
  @Column('jsonb') decision: DecisionRecord;
  @Column('text', { name: 'certificate_serial', nullable: true }) certificateSerial: string | null;
  @Column('bytea', { name: 'certificate_der', nullable: true }) certificateDer: Buffer | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt: Date | null;
  @Column('timestamptz', { name: 'superseded_at', nullable: true }) supersededAt: Date | null;
  /** Manual approval: the request expires (FAILURE badCertId) if nobody decides before this. */
  @Column('timestamptz', { name: 'pending_until', nullable: true }) pendingUntil: Date | null;
  @Column('text', { name: 'decided_by', nullable: true }) decidedBy: string | null;
  @Column('timestamptz', { name: 'decided_at', nullable: true }) decidedAt: Date | null;
}
