import { z } from 'zod';
import { defineRpc } from './rpc-contract';
import { uuid } from './primitives';

/**
 * Renewal (RFC 8894 §3.3.1.2, scep-protocol.md §10): a request signed by a certificate this profile's CA issued,
 * authenticated by that certificate instead of a challenge.
 */
export const RenewalRules = z
  .object({
    allowed: z.boolean().default(true),
    /** Renewal is accepted from this many days before expiry on; omitted = any time while the certificate is valid. */
    earliestDaysBeforeExpiry: z.number().int().min(1).max(3650).optional(),
    /** Days after expiry a renewal is still accepted (0 = an expired certificate cannot renew). */
    graceDaysAfterExpiry: z.number().int().min(0).max(90).default(0),
    /** The new certificate's subject must equal the old one's. */
    requireSameSubject: z.boolean().default(true),
  })
  .strict();

/** A profile's policy rules, stored as versioned data by the policy service and validated on write. */
export const PolicyRules = z
  .object({
    renewal: RenewalRules.default({ allowed: true, graceDaysAfterExpiry: 0, requireSameSubject: true }),
  })
  .strict();
export type PolicyRulesValue = z.output<typeof PolicyRules>;

const policyVersion = z.object({
  /** 0 = no rules stored: the defaults apply. */
  version: z.number().int().min(0),
  rules: PolicyRules,
  createdAt: z.string().optional(),
  createdBy: z.string().optional(),
});

/** admin-api -> policy-service: the rules in force for a profile. */
export const PolicyGetRules = defineRpc('policy.get-rules', z.object({ tenantId: uuid, profileId: uuid }), policyVersion);

/** admin-api -> policy-service: store a new version of a profile's rules. */
export const PolicySetRules = defineRpc(
  'policy.set-rules',
  z.object({ tenantId: uuid, profileId: uuid, rules: PolicyRules, actor: z.string().min(1).max(200) }),
  policyVersion,
);
