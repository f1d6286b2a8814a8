import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { CertificatePlan } from '@scep/contracts';

export type EnrollmentStatus = 'queued' | 'pending' | 'issued' | 'rejected' | 'failed' | 'expired';

/** Why a transaction was decided the way it was (every rule's result, who or what approved, when, under which rules). */
export interface DecisionRecord {
  rules: Array<{ rule: string; passed: boolean; detail: string }>;
  decidedAt: string;
  /** 'auto', 'operator' (pending until an operator decides), or the operator's identity once decided. */
  approver: string;
  policyVersion?: number;
  /** What the signer is asked to issue (absent when the request was refused before a plan existed). */
  plan?: CertificatePlan;
  /** Where the issued subject's DER comes from: the CSR's own bytes, or the profile's template (plan.subject encoded). */
  subjectSource?: 'csr' | 'template';
}

/**
 * One SCEP transaction of a profile (RFC 8894 §3.2.1.1), its decision and its outcome. The certificate itself is
 * stored once, by the signer (issuance.certificates); the transaction references it by serial.
 */
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
  /** SHA-256 of the signer's identity: a renewal by the same key with an issued certificate is a new request. */
  @Column('text', { name: 'signer_certificate_fingerprint', nullable: true }) signerCertificateFingerprint: string | null;
  /** Serial (hex) of the certificate a renewal was authenticated by. */
  @Column('text', { name: 'renewal_of_serial', nullable: true }) renewalOfSerial: string | null;
  /** Which of the renewed certificate's renewal slots this one takes (1..n, unique per serial); null when refused. */
  @Column('smallint', { name: 'renewal_seq', nullable: true }) renewalSeq: number | null;
  /** The CA that issues this transaction's certificate (the one whose RA the request was encrypted to, RFC 8894 §4.7). */
  @Column('uuid', { name: 'issuing_ca_id', nullable: true }) issuingCaId: string | null;
  @Column('text') subject: string;
  @Column('text', { name: 'request_cipher' }) requestCipher: string;
  @Column('text', { name: 'request_digest' }) requestDigest: string;
  @Column('text', { name: 'client_address', nullable: true }) clientAddress: string | null;
  @Column('text', { name: 'fail_info', nullable: true }) failInfo: string | null;
  @Column('text', { name: 'status_reason', nullable: true }) statusReason: string | null;
  @Column('jsonb') decision: DecisionRecord;
  /** The issued certificate (issuance.certificates, same tenant and CA) once status is issued. */
  @Column('text', { name: 'certificate_serial', nullable: true }) certificateSerial: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt: Date | null;
  @Column('timestamptz', { name: 'superseded_at', nullable: true }) supersededAt: Date | null;
  /** Manual approval: the request expires (FAILURE badCertId) if nobody decides before this. */
  @Column('timestamptz', { name: 'pending_until', nullable: true }) pendingUntil: Date | null;
  @Column('text', { name: 'decided_by', nullable: true }) decidedBy: string | null;
  @Column('timestamptz', { name: 'decided_at', nullable: true }) decidedAt: Date | null;
}
