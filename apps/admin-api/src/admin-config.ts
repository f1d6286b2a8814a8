import { z } from 'zod';
import { loadConfig, logEnv, port, secret } from '@scep/config';

export const adminEnv = z.object({
  ...logEnv,
  ADMIN_API_HOST: z.string().default('127.0.0.1'),
  ADMIN_API_PORT: port.default(8081),
  /** Operations listener: /metrics, /healthz, /readyz (loopback unless set); port 0 picks a free port (tests). */
  ADMIN_API_OPS_HOST: z.string().default('127.0.0.1'),
  ADMIN_API_OPS_PORT: port.default(9461),
  /** A platform-operator API key (format scep_<id>_<secret>) ensured at startup; how the first key comes to exist. */
  ADMIN_BOOTSTRAP_API_KEY: secret(z.string().regex(/^scep_[0-9a-f]{16}_[A-Za-z0-9_-]{32,128}$/, 'must look like scep_<16 hex>_<secret>').optional()),
  /** Base URL devices use to reach the gateway, for the SCEP URLs the API returns. */
  SCEP_PUBLIC_BASE_URL: z.string().url().default('http://127.0.0.1:8080'),
  /** How long CA/RA key generation by the signer may take before the API answers 504 (4096-bit keys take seconds). */
  ADMIN_KEYGEN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(120_000),
  /** How long a revocation (stored and the CAs' new CRLs issued by the signer) may take before the API answers 504. */
  ADMIN_REVOCATION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
});
export type AdminConfig = z.infer<typeof adminEnv>;

let cached: AdminConfig | undefined;
export const adminConfig = (): AdminConfig => (cached ??= loadConfig(adminEnv));
