import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Generations } from './ca-generations';

/** A profile's settings as the policy needs them to decide and to enqueue signing. */
export interface ProfileSettingsRecord {
  readonly tenantId: string;
  readonly profileId: string;
  readonly status: 'provisioning' | 'active' | 'disabled';
  /** CA ids of the profile's generations (rollover). */
  readonly caGenerations: Generations<string>;
  readonly validityDays: number;
  readonly challengeMode: string;
}

/** Read-only projection of tenancy.profiles (owner: admin-api), always filtered by tenant. */
@Injectable()
export class ProfileSettingsReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(tenantId: string, profileId: string): Promise<ProfileSettingsRecord | undefined> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT tenant_id, id, status, ca_id, next_ca_id, ca_switch_at, previous_ca_id, validity_days, challenge_mode
         FROM tenancy.profiles WHERE tenant_id = $1 AND id = $2`,
      [tenantId, profileId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      tenantId: row.tenant_id as string,
      profileId: row.id as string,
      status: row.status as ProfileSettingsRecord['status'],
      caGenerations: {
        current: row.ca_id as string,
        next: (row.next_ca_id as string | null) ?? undefined,
        switchAt: (row.ca_switch_at as Date | null) ?? undefined,
        previous: (row.previous_ca_id as string | null) ?? undefined,
      },
      validityDays: row.validity_days as number,
      challengeMode: row.challenge_mode as string,
    };
  }
}
