import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A tenant's CA: public part only. Its private key is in CaKeyEntity. Its `revocation_generation` column (bumped by
 * CertificateRevocationRepository, read by the CRL issuer and OCSP caches) is only ever used through SQL.
 */
@Entity({ schema: 'issuance', name: 'certificate_authorities' })
export class CertificateAuthorityEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text') name: string;
  @Column('text') subject: string;
  @Column('bytea', { name: 'certificate_der' }) certificateDer: Buffer;
  @Column('text', { name: 'key_spec' }) keySpec: string;
  @Column('timestamptz', { name: 'not_before' }) notBefore: Date;
  @Column('timestamptz', { name: 'not_after' }) notAfter: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
