import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A profile's static challenge, stored as HMAC-SHA256(pepper, tenant|profile|challenge) only. */
@Entity({ schema: 'challenge', name: 'static_challenges' })
export class StaticChallengeEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('uuid', { name: 'profile_id' }) profileId: string;
  @Column('bytea', { name: 'secret_hash' }) secretHash: Buffer;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  /** Null while current; when replaced, the end of its rotation overlap (it keeps working until then). */
  @Column('timestamptz', { name: 'not_after', nullable: true }) notAfter: Date | null;
}
