import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ChallengeMode } from '@scep/contracts';

/**
 * How a profile's challenges are checked. A profile without a row is `static` (the mode every profile had before
 * modes existed). The webhook's HMAC key is stored wrapped (AES-256-GCM), never in clear.
 */
@Entity({ schema: 'challenge', name: 'profile_settings' })
export class ProfileChallengeSettingsEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'profile_id' }) profileId: string;
  @Column('text') mode: ChallengeMode;
  @Column('integer', { name: 'dynamic_default_ttl_seconds' }) dynamicDefaultTtlSeconds: number;
  @Column('text', { name: 'webhook_url', nullable: true }) webhookUrl: string | null;
  @Column('bytea', { name: 'webhook_secret_wrapped', nullable: true }) webhookSecretWrapped: Buffer | null;
  @Column('integer', { name: 'webhook_timeout_ms', nullable: true }) webhookTimeoutMs: number | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
