import { z } from 'zod';
import { loadConfig, redisEnv, rpcEnv } from '@scep/config';

export const transportEnv = z.object({ ...rpcEnv, ...redisEnv });
export type TransportConfig = z.infer<typeof transportEnv>;

let cached: TransportConfig | undefined;
export function transportConfig(): TransportConfig {
  cached ??= loadConfig(transportEnv);
  return cached;
}
