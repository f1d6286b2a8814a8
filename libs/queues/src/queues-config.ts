import { z } from 'zod';
import { loadConfig, redisEnv } from '@scep/config';

export const queuesEnv = z.object({ ...redisEnv });
export type QueuesConfig = z.infer<typeof queuesEnv>;

let cached: QueuesConfig | undefined;
/** Redis settings of the services that use queues or Redis (never the gateway: it holds no Redis credentials). */
export function queuesConfig(): QueuesConfig {
  cached ??= loadConfig(queuesEnv);
  return cached;
}
