import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One version of a profile's policy rules (validated on write; the highest version is in force). */
@Entity({ schema: 'enrollment', name: 'profile_policies' })
export class ProfilePolicyEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('uuid', { name: 'profile_id' }) profileId: string;
  @Column('integer') version: number;
  /** Validated against PolicyRules (libs/contracts) on write and on read. */
  @Column('jsonb') rules: object;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('text', { name: 'created_by' }) createdBy: string;
}
