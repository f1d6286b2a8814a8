import { z } from 'zod';
import { loadConfig, natsCredentialsComplete, rpcEnv } from '@scep/config';

export const transportEnv = z.object({ ...rpcEnv }).superRefine(natsCredentialsComplete);
export type TransportConfig = z.infer<typeof transportEnv>;

let cached: TransportConfig | undefined;
/** NATS settings (RPC, events, signing outcomes): every service's, the gateway's included. */
export function transportConfig(): TransportConfig {
  cached ??= loadConfig(transportEnv);
  return cached;
}
