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
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
