import { z } from 'zod';
import { loadConfig, logEnv, port, secretKey32 } from '@scep/config';

export const policyEnv = z.object({
  ...logEnv,
  /**
   * 32 random bytes shared with the signer only (its SIGNER_APPROVAL_KEY): authenticates the plans this service
   * approves and the outcomes the signer reports (docs/adr/007-enrollment-path-v2.md). Never given to the gateway.
   */
  POLICY_APPROVAL_KEY: secretKey32(),
  /** Attempts of a signing job before the transaction is marked failed. */
  POLICY_SIGNING_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** How long an approval stays signable: a job the signer reaches later is refused, and the reconciler fails the transaction. */
  POLICY_APPROVAL_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(7 * 24),
  /** How often each replica looks for queued transactions whose outcome it has not heard (lost jobs, lost outcomes). */
  POLICY_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Enrollments one replica waits for at a time; beyond it a request answers PENDING at once (bounded memory). */
  POLICY_MAX_WAITING: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /**
   * OCSP responses (RFC 6960, signed here by each CA's delegated responder): nextUpdate - thisUpdate. Relying parties
   * may keep a response this long, so it bounds how late they learn of a revocation (docs/adr/010-revocation-crl-ocsp.md).
   */
  POLICY_OCSP_RESPONSE_VALIDITY_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(60),
  /** OCSP signatures per second and CA per replica (twice that at once); beyond it the answer is tryLater. */
  POLICY_OCSP_SIGNATURES_PER_SECOND_PER_CA: z.coerce.number().int().min(1).max(100_000).default(200),
  /** Operations listener: /metrics, /healthz, /readyz (loopback unless set). */
  POLICY_OPS_HOST: z.string().default('127.0.0.1'),
  POLICY_OPS_PORT: port.default(9462),
});
export type PolicyConfig = z.infer<typeof policyEnv>;

let cached: PolicyConfig | undefined;
export const policyConfig = (): PolicyConfig => (cached ??= loadConfig(policyEnv));
