import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A subjectAltName a one-time challenge is bound to (same vocabulary as the CSR facts). */
export interface ExpectedSubjectAltName {
  readonly type: 'dns' | 'email' | 'uri' | 'ip';
  readonly value: string;
}

/**
 * A one-time challenge minted for a dynamic profile. Only HMAC(pepper, tenant|profile|challenge) is stored; it is
 * also the lookup key (unique). Consumption binds the challenge to one (transactionID, key fingerprint).
 */
@Entity({ schema: 'challenge', name: 'dynamic_challenges' })
export class DynamicChallengeEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('uuid', { name: 'profile_id' }) profileId: string;
  @Column('bytea', { name: 'secret_hash' }) secretHash: Buffer;
  @Column('text', { name: 'expected_subject', nullable: true }) expectedSubject: string | null;
  @Column('jsonb', { name: 'expected_sans', nullable: true }) expectedSans: ExpectedSubjectAltName[] | null;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('text', { name: 'created_by' }) createdBy: string;
  @Column('timestamptz', { name: 'consumed_at', nullable: true }) consumedAt: Date | null;
  @Column('text', { name: 'consumed_transaction_id', nullable: true }) consumedTransactionId: string | null;
  @Column('text', { name: 'consumed_key_fingerprint', nullable: true }) consumedKeyFingerprint: string | null;
}
