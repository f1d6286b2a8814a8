import { z } from 'zod';
import { ConfigError, addressList, loadConfig, logEnv, port, secretKey32 } from '@scep/config';
import type { ProxyTrust } from './http/client-address';

export const gatewayEnv = z.object({
  ...logEnv,
  SCEP_GATEWAY_HOST: z.string().default('127.0.0.1'),
  SCEP_GATEWAY_PORT: port.default(8080),
  /** Operations listener: /metrics, /healthz, /readyz (loopback unless set); port 0 picks a free port (tests). */
  SCEP_GATEWAY_OPS_HOST: z.string().default('127.0.0.1'),
  SCEP_GATEWAY_OPS_PORT: port.default(9460),
  /** The RA key-encryption key (same value as the signer's SIGNER_RA_KEK). The gateway has no CA key of any kind. */
  SCEP_GATEWAY_RA_KEK: secretKey32(),
  SCEP_GATEWAY_RA_KEK_ID: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/).default('ra-kek-1'),
  /** POST body limit (scep-protocol.md §13: 256 KiB). */
  SCEP_GATEWAY_MAX_BODY_BYTES: z.coerce.number().int().min(4096).max(4 * 1024 * 1024).default(256 * 1024),
  /** Request line + headers limit: GET PKIOperation URLs reach 12 KB; allow 64 KiB URLs (§2.3). */
  SCEP_GATEWAY_MAX_HEADER_BYTES: z.coerce.number().int().min(16 * 1024).max(1024 * 1024).default(96 * 1024),
  /**
   * Reverse proxies in front of the gateway whose X-Forwarded-For is believed (comma-separated IP addresses or CIDRs).
   * Unset: nobody's — the socket's peer is the client. See docs/adr/008-abuse-and-client-addresses.md.
   */
  SCEP_GATEWAY_TRUSTED_PROXIES: addressList().optional(),
  /**
   * Signed FAILURE replies one client address may receive per profile within the window before its PKIOperations
   * are refused with HTTP 429 (each FAILURE costs an RSA signature; docs/adr/008-abuse-and-client-addresses.md).
   */
  SCEP_GATEWAY_FAILURES_PER_CLIENT: z.coerce.number().int().min(1).max(100_000).default(30),
  SCEP_GATEWAY_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Client addresses without a FAILURE budget (comma-separated IPs/CIDRs): NATs and proxies many devices share. */
  SCEP_GATEWAY_FAILURE_BUDGET_EXEMPT_CIDRS: addressList().optional(),
  /** Opened envelopes remembered for byte-identical resends (no second RSA decryption). */
  SCEP_GATEWAY_OPENED_ENVELOPES: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** OCSP answers (to requests without a nonce) kept in memory, and CAs watched for revocations (docs/adr/010). */
  SCEP_GATEWAY_OCSP_CACHE_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(50_000),
  /** How often the revocation generation of CAs with cached OCSP answers is checked (a revocation drops them). */
  SCEP_GATEWAY_OCSP_RECHECK_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  /** Or: this many reverse proxies in front (each appends one X-Forwarded-For entry). */
  SCEP_GATEWAY_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(1).max(10).optional(),
});
export type GatewayConfig = z.infer<typeof gatewayEnv>;

/** How far X-Forwarded-For is believed (one of the two settings, or neither). */
export function proxyTrustOf(config: GatewayConfig): ProxyTrust {
  if (config.SCEP_GATEWAY_TRUSTED_PROXIES?.entries.length && config.SCEP_GATEWAY_TRUSTED_PROXY_HOPS) {
    throw new ConfigError(['SCEP_GATEWAY_TRUSTED_PROXIES: set it or SCEP_GATEWAY_TRUSTED_PROXY_HOPS, not both']);
  }
  if (config.SCEP_GATEWAY_TRUSTED_PROXIES?.entries.length) return { kind: 'cidrs', cidrs: config.SCEP_GATEWAY_TRUSTED_PROXIES.entries };
  if (config.SCEP_GATEWAY_TRUSTED_PROXY_HOPS) return { kind: 'hops', hops: config.SCEP_GATEWAY_TRUSTED_PROXY_HOPS };
  return { kind: 'none' };
}

let cached: GatewayConfig | undefined;
export const gatewayConfig = (): GatewayConfig => (cached ??= loadConfig(gatewayEnv));
