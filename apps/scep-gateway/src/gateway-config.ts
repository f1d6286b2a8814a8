import { z } from 'zod';
import { loadConfig, logEnv, port, secretKey32 } from '@scep/config';

export const gatewayEnv = z.object({
  ...logEnv,
  SCEP_GATEWAY_HOST: z.string().default('127.0.0.1'),
  SCEP_GATEWAY_PORT: port.default(8080),
  /** The RA key-encryption key (same value as the signer's SIGNER_RA_KEK). The gateway has no CA key of any kind. */
  SCEP_GATEWAY_RA_KEK: secretKey32(),
  SCEP_GATEWAY_RA_KEK_ID: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/).default('ra-kek-1'),
  /** POST body limit (scep-protocol.md §13: 256 KiB). */
  SCEP_GATEWAY_MAX_BODY_BYTES: z.coerce.number().int().min(4096).max(4 * 1024 * 1024).default(256 * 1024),
  /** Request line + headers limit: GET PKIOperation URLs reach 12 KB; allow 64 KiB URLs (§2.3). */
  SCEP_GATEWAY_MAX_HEADER_BYTES: z.coerce.number().int().min(16 * 1024).max(1024 * 1024).default(96 * 1024),
  /** Trust X-Forwarded-For from a reverse proxy for the client address. */
  SCEP_GATEWAY_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
});
export type GatewayConfig = z.infer<typeof gatewayEnv>;

let cached: GatewayConfig | undefined;
export const gatewayConfig = (): GatewayConfig => (cached ??= loadConfig(gatewayEnv));
