import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type ProfileStatus = 'provisioning' | 'active' | 'disabled';
export type ChallengeMode = 'static';

/** A SCEP endpoint of a tenant: /scep/{tenant}/{profile}. */
@Entity({ schema: 'tenancy', name: 'profiles' })
export class ProfileEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text') slug: string;
  @Column('text') status: ProfileStatus;
  @Column('uuid', { name: 'ca_id' }) caId: string;
  @Column('uuid', { name: 'ra_credential_id', nullable: true }) raCredentialId: string | null;
  @Column('text', { name: 'challenge_mode' }) challengeMode: ChallengeMode;
  @Column('integer', { name: 'validity_days' }) validityDays: number;
  @Column('integer', { name: 'sync_wait_ms' }) syncWaitMs: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
