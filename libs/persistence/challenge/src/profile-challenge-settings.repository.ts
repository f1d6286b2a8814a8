import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { ProfileChallengeSettingsEntity } from './profile-challenge-settings.entity';

/** Per-profile challenge settings; every query is scoped by tenant and profile. */
@Injectable()
export class ProfileChallengeSettingsRepository {
  private readonly repository: Repository<ProfileChallengeSettingsEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repository = dataSource.getRepository(ProfileChallengeSettingsEntity);
  }

  find(tenantId: string, profileId: string): Promise<ProfileChallengeSettingsEntity | null> {
    return this.repository.findOneBy({ tenantId, profileId });
  }

  /** Inserts or replaces the whole row (settings are always written complete). */
  async save(row: ProfileChallengeSettingsEntity): Promise<void> {
    await this.repository.upsert(row, { conflictPaths: ['tenantId', 'profileId'], skipUpdateIfNoValuesChanged: false });
  }
}
