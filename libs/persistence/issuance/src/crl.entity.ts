import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A CRL the signer issued for one of its CAs; the highest crl_number is the current one (RFC 5280 §5.2.3). */
@Entity({ schema: 'issuance', name: 'crls' })
export class CrlEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('uuid', { name: 'ca_id' }) caId: string;
  /** bigint: TypeORM hands it over as a string. */
  @Column('bigint', { name: 'crl_number' }) crlNumber: string;
  @Column('timestamptz', { name: 'this_update' }) thisUpdate: Date;
  @Column('timestamptz', { name: 'next_update' }) nextUpdate: Date;
  @Column('bytea', { name: 'crl_der' }) crlDer: Buffer;
  /** The CA's revocation generation the CRL was built from: an older one than the CA's is due at once. */
  @Column('bigint', { name: 'revocation_generation' }) revocationGeneration: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
