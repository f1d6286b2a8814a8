import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An RA key pair certified by a CA; its key is wrapped under the RA key-encryption key the gateway holds. */
@Entity({ schema: 'issuance', name: 'ra_credentials' })
export class RaCredentialEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('uuid', { name: 'ca_id' }) caId: string;
  @Column('bytea', { name: 'certificate_der' }) certificateDer: Buffer;
  @Column('text', { name: 'kek_id' }) kekId: string;
  @Column('bytea', { name: 'wrapped_key' }) wrappedKey: Buffer;
  @Column('timestamptz', { name: 'not_after' }) notAfter: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
