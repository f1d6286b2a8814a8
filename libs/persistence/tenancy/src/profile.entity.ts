import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type ProfileStatus = 'provisioning' | 'active' | 'disabled';

/** A SCEP endpoint of a tenant: /scep/{tenant}/{profile}. Its challenge mode is the challenge service's (challenge.profile_settings). */
@Entity({ schema: 'tenancy', name: 'profiles' })
export class ProfileEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text') slug: string;
  @Column('text') status: ProfileStatus;
  @Column('uuid', { name: 'ca_id' }) caId: string;
  @Column('uuid', { name: 'ra_credential_id', nullable: true }) raCredentialId: string | null;
  /** Rollover (RFC 8894 §4.7): the next CA/RA pair, active from caSwitchAt; GetNextCACert announces it until then. */
  @Column('uuid', { name: 'next_ca_id', nullable: true }) nextCaId: string | null;
  @Column('uuid', { name: 'next_ra_credential_id', nullable: true }) nextRaCredentialId: string | null;
  @Column('timestamptz', { name: 'ca_switch_at', nullable: true }) caSwitchAt: Date | null;
  /** The pair before the last completed switch: still decrypts requests and verifies renewals during the overlap. */
  @Column('uuid', { name: 'previous_ca_id', nullable: true }) previousCaId: string | null;
  @Column('uuid', { name: 'previous_ra_credential_id', nullable: true }) previousRaCredentialId: string | null;
  @Column('integer', { name: 'validity_days' }) validityDays: number;
  @Column('integer', { name: 'sync_wait_ms' }) syncWaitMs: number;
  /** Content ciphers the profile accepts in requests (RFC 8894 §3.5.2); single DES only when listed. */
  @Column('text', { name: 'content_ciphers', array: true }) contentCiphers: string[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
