import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export type ChallengeModeName = 'static' | 'dynamic' | 'webhook' | 'intune';

/**
 * Read-only projection of challenge.profile_settings.mode (owner: challenge-service), the one place a profile's
 * challenge mode is kept, for the operators' view of profiles. Never reads secrets.
 */
@Injectable()
export class ChallengeModeReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Mode per profile id; profiles never configured are 'static'. */
  async modes(tenantId: string, profileIds: readonly string[]): Promise<Map<string, ChallengeModeName>> {
    const rows: Array<{ profile_id: string; mode: ChallengeModeName }> = profileIds.length
      ? await this.dataSource.query(`SELECT profile_id, mode FROM challenge.profile_settings WHERE tenant_id = $1 AND profile_id = ANY($2::uuid[])`, [
          tenantId,
          profileIds,
        ])
      : [];
    const modes = new Map<string, ChallengeModeName>(profileIds.map((id) => [id, 'static']));
    for (const row of rows) modes.set(row.profile_id, row.mode);
    return modes;
  }
}
