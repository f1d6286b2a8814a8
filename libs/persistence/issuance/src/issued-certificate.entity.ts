import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A certificate the signer issued; unique per enrollment transaction so a retried job returns it again. */
@Entity({ schema: 'issuance', name: 'certificates' })
export class IssuedCertificateEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('uuid', { name: 'ca_id' }) caId: string;
  @Column('uuid', { name: 'profile_id' }) profileId: string;
  @Column('uuid', { name: 'enrollment_id' }) enrollmentId: string;
  @Column('text', { name: 'serial_hex' }) serialHex: string;
  @Column('text') subject: string;
  @Column('timestamptz', { name: 'not_before' }) notBefore: Date;
  @Column('timestamptz', { name: 'not_after' }) notAfter: Date;
  @Column('bytea', { name: 'certificate_der' }) certificateDer: Buffer;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
  /** RFC 5280 §5.3.1 CRLReason code. */
  @Column('smallint', { name: 'revocation_reason', nullable: true }) revocationReason: number | null;
  /** Who revoked it (`api-key:<key id>`) and the operator's reason in words. */
  @Column('text', { name: 'revoked_by', nullable: true }) revokedBy: string | null;
  @Column('text', { name: 'revocation_comment', nullable: true }) revocationComment: string | null;
  /** When and by whom a certificateHold was last released (RFC 5280 §5.3.1: the only revocation that can be undone). */
  @Column('timestamptz', { name: 'hold_released_at', nullable: true }) holdReleasedAt: Date | null;
  @Column('text', { name: 'hold_released_by', nullable: true }) holdReleasedBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
