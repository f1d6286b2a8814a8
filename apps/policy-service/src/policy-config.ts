import { z } from 'zod';
import { loadConfig, logEnv } from '@scep/config';

export const policyEnv = z.object({
  ...logEnv,
  /** Attempts of a signing job before the transaction is marked failed. */
  POLICY_SIGNING_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
});
export type PolicyConfig = z.infer<typeof policyEnv>;

let cached: PolicyConfig | undefined;
export const policyConfig = (): PolicyConfig => (cached ??= loadConfig(policyEnv));
