import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Generations } from './ca-generations';

/** A profile's settings as the policy needs them to decide and to enqueue signing. */
export interface ProfileSettingsRecord {
  readonly tenantId: string;
  readonly profileId: string;
  readonly slug: string;
  readonly status: 'provisioning' | 'active' | 'disabled';
  /** CA ids of the profile's generations (rollover). */
  readonly caGenerations: Generations<string>;
  readonly validityDays: number;
  /** How long an enrollment may wait for its certificate before the device gets PENDING. */
  readonly syncWaitMs: number;
  /** From challenge.profile_settings (owner: challenge-service), where the mode lives; 'static' when never configured. */
  readonly challengeMode: 'static' | 'dynamic' | 'webhook' | 'intune';
}

/**
 * Read-only projection of tenancy.profiles (owner: admin-api) and of the profile's challenge mode
 * (challenge.profile_settings, owner: challenge-service), always filtered by tenant.
 */
@Injectable()
export class ProfileSettingsReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(tenantId: string, profileId: string): Promise<ProfileSettingsRecord | undefined> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT p.tenant_id, p.id, p.slug, p.status, p.ca_id, p.next_ca_id, p.ca_switch_at, p.previous_ca_id, p.validity_days, p.sync_wait_ms,
              coalesce(s.mode, 'static') AS challenge_mode
         FROM tenancy.profiles p
         LEFT JOIN challenge.profile_settings s ON s.tenant_id = p.tenant_id AND s.profile_id = p.id
        WHERE p.tenant_id = $1 AND p.id = $2`,
      [tenantId, profileId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      tenantId: row.tenant_id as string,
      profileId: row.id as string,
      slug: row.slug as string,
      status: row.status as ProfileSettingsRecord['status'],
      caGenerations: {
        current: row.ca_id as string,
        next: (row.next_ca_id as string | null) ?? undefined,
        switchAt: (row.ca_switch_at as Date | null) ?? undefined,
        previous: (row.previous_ca_id as string | null) ?? undefined,
      },
      validityDays: row.validity_days as number,
      syncWaitMs: row.sync_wait_ms as number,
      challengeMode: row.challenge_mode as ProfileSettingsRecord['challengeMode'],
    };
  }
}
