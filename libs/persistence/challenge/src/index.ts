import { DynamicChallengeEntity } from './dynamic-challenge.entity';
import { IntuneConnectionEntity } from './intune-connection.entity';
import { IntuneNotificationEntity } from './intune-notification.entity';
import { ProfileChallengeSettingsEntity } from './profile-challenge-settings.entity';
import { StaticChallengeEntity } from './static-challenge.entity';

export * from './static-challenge.entity';
export * from './profile-challenge-settings.entity';
export * from './profile-challenge-settings.repository';
export * from './dynamic-challenge.entity';
export * from './dynamic-challenge.repository';
export * from './intune-connection.entity';
export * from './intune-connection.repository';
export * from './intune-notification.entity';
export * from './intune-notification.repository';

/** Entities owned by challenge-service (schema `challenge`). */
export const challengeEntities = [
  StaticChallengeEntity,
  ProfileChallengeSettingsEntity,
  DynamicChallengeEntity,
  IntuneConnectionEntity,
  IntuneNotificationEntity,
];
