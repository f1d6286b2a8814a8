import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An admin API key. Only a hash of its secret part is stored; tenantId null = platform operator. */
@Entity({ schema: 'tenancy', name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id', nullable: true }) tenantId: string | null;
  @Column('text') name: string;
  @Column('text', { name: 'key_id' }) keyId: string;
  @Column('bytea', { name: 'secret_hash' }) secretHash: Buffer;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
}
