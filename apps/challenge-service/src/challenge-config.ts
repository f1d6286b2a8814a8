import { z } from 'zod';
import { loadConfig, logEnv, secretKey32 } from '@scep/config';

export const challengeEnv = z.object({
  ...logEnv,
  /** 32 random bytes keying the challenge hashes: a stolen database alone cannot test guesses. */
  CHALLENGE_PEPPER: secretKey32(),
});
export type ChallengeConfig = z.infer<typeof challengeEnv>;

let cached: ChallengeConfig | undefined;
export const challengeConfig = (): ChallengeConfig => (cached ??= loadConfig(challengeEnv));
