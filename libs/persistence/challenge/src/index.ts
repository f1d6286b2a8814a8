import { StaticChallengeEntity } from './static-challenge.entity';

export * from './static-challenge.entity';

/** Entities owned by challenge-service (schema `challenge`). */
export const challengeEntities = [StaticChallengeEntity];
