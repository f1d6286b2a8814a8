import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A CA private key (PKCS#8) wrapped with AES-256-GCM under the signer's CA key-encryption key `kekId`. */
@Entity({ schema: 'issuance', name: 'ca_keys' })
export class CaKeyEntity {
  @PrimaryColumn('uuid', { name: 'ca_id' }) caId: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text', { name: 'kek_id' }) kekId: string;
  @Column('bytea', { name: 'wrapped_key' }) wrappedKey: Buffer;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
