import { z } from 'zod';
import { loadConfig, logEnv, port, secretKey32 } from '@scep/config';

export const signerEnv = z.object({
  ...logEnv,
  /** 32 random bytes wrapping RA private keys; the gateway is given the same key to unwrap them. */
  SIGNER_RA_KEK: secretKey32(),
  SIGNER_RA_KEK_ID: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/).default('ra-kek-1'),
  /**
   * 32 random bytes shared with the policy service only (its POLICY_APPROVAL_KEY): a signing job is signed only when
   * its approval is authenticated under it (docs/adr/007-enrollment-path-v2.md).
   */
  SIGNER_APPROVAL_KEY: secretKey32(),
  /** Concurrent signing jobs per process (signing is CPU-bound: about the number of cores). */
  SIGNER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * Public base URL of the gateway's CRL endpoint; issued certificates then carry the CRL distribution point
   * `<base>/crl/<tenant id>/<CA id>.crl` (RFC 5280 §4.2.1.13). Unset: no CDP extension.
   */
  SIGNER_CRL_BASE_URL: z.string().url().optional(),
  /**
   * Public base URL of the gateway's OCSP responder; issued certificates then carry `<base>/ocsp/<tenant id>/<CA id>` in
   * authorityInfoAccess (RFC 5280 §4.2.2.1) unless their profile's rules name another URL or none. Unset: the CRL's
   * base URL (both are the gateway's public address).
   */
  SIGNER_OCSP_BASE_URL: z.string().url().optional(),
  /**
   * Lifetime of each CA's delegated OCSP responder certificate (RFC 6960 §4.2.2.2.1: with id-pkix-ocsp-nocheck it cannot
   * be revoked, so it is short-lived); a new one is issued when half of it has passed.
   */
  SIGNER_OCSP_RESPONDER_VALIDITY_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  /** Lifetime of each CRL (nextUpdate - thisUpdate). */
  SIGNER_CRL_VALIDITY_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(7 * 24),
  /** How often the signer looks for CRLs to renew (each is renewed well before its nextUpdate). */
  SIGNER_CRL_REFRESH_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(60),
  /** Operations listener: /metrics, /healthz, /readyz. The signer accepts no other connection. */
  SIGNER_OPS_HOST: z.string().default('127.0.0.1'),
  SIGNER_OPS_PORT: port.default(9463),
});
export type SignerConfig = z.infer<typeof signerEnv>;

let cached: SignerConfig | undefined;
export const signerConfig = (): SignerConfig => (cached ??= loadConfig(signerEnv));
