import { z } from 'zod';
import { addressList, loadConfig, logEnv, port, secretKey32 } from '@scep/config';
import { parseAllowList } from './http/outbound-policy';

const count = (defaultValue: number) => z.coerce.number().int().min(1).max(1_000_000).default(defaultValue);
const seconds = (defaultValue: number) => z.coerce.number().int().min(1).max(7 * 86400).default(defaultValue);

export const challengeEnv = z.object({
  ...logEnv,
  /**
   * 32 random bytes keying the challenge hashes (a stolen database alone cannot test guesses); the key that wraps
   * webhook and Intune secrets at rest is derived from it (HKDF), so it is the service's only secret.
   */
  CHALLENGE_PEPPER: secretKey32(),
  /**
   * Failed verifications of one client address on one profile, within the window, before that client is locked out
   * of that profile (docs/adr/008-abuse-and-client-addresses.md). Correct challenges from other clients never fail.
   */
  CHALLENGE_FAILURES_PER_CLIENT: count(10),
  /**
   * Failed verifications on one profile (all clients) within the window above which the profile is under attack:
   * from then on, for the rest of the window, each client gets CHALLENGE_FAILURES_PER_CLIENT_UNDER_ATTACK guesses.
   */
  CHALLENGE_FAILURES_PER_PROFILE: count(50),
  CHALLENGE_FAILURES_PER_CLIENT_UNDER_ATTACK: count(3),
  CHALLENGE_FAILURE_WINDOW_SECONDS: seconds(300),
  /** How long a locked client is refused (HTTP 429 at the gateway) without checking anything. */
  CHALLENGE_LOCKOUT_SECONDS: seconds(900),
  /**
   * Client addresses never locked out (comma-separated IPs/CIDRs): NATs and proxies that many honest devices share.
   * Their failures still count towards the profile's attack threshold.
   */
  CHALLENGE_LOCKOUT_EXEMPT_CIDRS: addressList().optional(),
  /** Operations listener: /metrics, /healthz, /readyz; port 0 picks a free port (tests). CHALLENGE_METRICS_* are the old names. */
  CHALLENGE_OPS_HOST: z.string().optional(),
  CHALLENGE_OPS_PORT: port.optional(),
  CHALLENGE_METRICS_HOST: z.string().default('127.0.0.1'),
  CHALLENGE_METRICS_PORT: port.default(9464),
  /**
   * Budget of one Intune exchange (token + endpoint discovery + the call). Keep it below the gateway's RPC timeout:
   * a validation that outlives the caller is wasted.
   */
  CHALLENGE_INTUNE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(4000),
  /** Delivery attempts of one Intune notification (exponential backoff from the base delay). */
  CHALLENGE_INTUNE_NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  CHALLENGE_INTUNE_NOTIFY_BACKOFF_MS: z.coerce.number().int().min(10).max(600000).default(2000),
  /**
   * Days a one-time challenge is kept after it expired, and an Intune notification after it was recorded, before
   * housekeeping deletes it. At least 8: beyond the outbox's 7-day re-enqueue horizon and any same-transaction resend.
   */
  CHALLENGE_RECORD_RETENTION_DAYS: z.coerce.number().int().min(8).max(3650).default(30),
  /** How often each replica runs housekeeping (deletes are idempotent, so replicas need no coordination). */
  CHALLENGE_HOUSEKEEPING_INTERVAL_SECONDS: z.coerce.number().int().min(60).max(7 * 86400).default(3600),
  /**
   * The platform operator's exceptions to the outbound rules (webhook and Intune URLs go to https on port 443 of
   * public addresses, Intune's to Microsoft hosts): comma-separated `host:port`, `host`, `CIDR[:port]` or
   * `[IPv6-CIDR]:port`. A matching host name is trusted whatever it resolves to; a matching range admits its addresses
   * (on that port, or any) for any host name, Intune's included. Empty by default.
   */
  CHALLENGE_OUTBOUND_ALLOW: z
    .string()
    .default('')
    .transform((text, ctx) => {
      try {
        return parseAllowList(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid' });
        return z.NEVER;
      }
    }),
  /**
   * Development and tests only: webhook and Intune URLs may reach loopback, private and link-local addresses on any
   * port (local webhooks, a fake Intune). Never in production: it reopens the service as a proxy into the platform.
   */
  CHALLENGE_OUTBOUND_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  /** Outbound calls (webhook, Intune) in flight at once per tenant, and per replica. */
  CHALLENGE_OUTBOUND_CONCURRENCY_PER_TENANT: count(8),
  CHALLENGE_OUTBOUND_CONCURRENCY: count(64),
  /** Outbound calls started per second per tenant, and per replica (token buckets; bursts up to one second's worth). */
  CHALLENGE_OUTBOUND_RATE_PER_TENANT: count(20),
  CHALLENGE_OUTBOUND_RATE: count(200),
});
export type ChallengeConfig = z.infer<typeof challengeEnv>;

let cached: ChallengeConfig | undefined;
export const challengeConfig = (): ChallengeConfig => (cached ??= loadConfig(challengeEnv));
