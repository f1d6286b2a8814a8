import { z } from 'zod';
import { defineRpc } from './rpc-contract';
import { base64, failInfoName, uuid } from './primitives';
import { certificatePlan, keyUsageName, ocspResponderUrl } from './signing';

/**
 * A regular expression an operator writes, matched against whole values (anchored). Here it is only checked to be a
 * regular expression (contracts import nothing but zod); the policy service compiles it on write with the linear-time
 * engine that matches it (RE2 syntax: no backreferences, no lookaround) and refuses, naming the field, what that engine
 * cannot run (apps/policy-service/src/decision/linear-pattern.ts).
 */
const pattern = z
  .string()
  .min(1)
  .max(512)
  .refine((source) => {
    try {
      new RegExp(`^(?:${source})$`, 'u');
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');

const profileSlug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a profile slug');

/**
 * Renewal (RFC 8894 §3.3.1.2; docs/adr/007-enrollment-path-v2.md, "Renewal"): a request signed by a certificate this
 * profile issued, authenticated by that certificate instead of a challenge. Bounded by default: from 30 days before
 * expiry, once per certificate, same subject and SANs, within the profile that issued it.
 */
export const RenewalRules = z
  .object({
    allowed: z.boolean().default(true),
    /** Renewal is accepted from this many days before expiry on; null = any time while the certificate is valid. */
    earliestDaysBeforeExpiry: z.number().int().min(1).max(3650).nullable().default(30),
    /** Days after expiry a renewal is still accepted (0 = an expired certificate cannot renew). */
    graceDaysAfterExpiry: z.number().int().min(0).max(90).default(0),
    /** How many renewals one certificate may authenticate (a renewal's own certificate renews in its turn). */
    maxRenewalsPerCertificate: z.number().int().min(1).max(100).default(1),
    /** Other profiles of the tenant whose certificates may renew into this one (by slug). Its own always may. */
    fromProfiles: z.array(profileSlug).max(20).default([]),
    /** The new certificate's subject must equal the old one's. */
    requireSameSubject: z.boolean().default(true),
    /** The new certificate's SANs must equal the old one's (as a set). */
    requireSameSubjectAltNames: z.boolean().default(true),
  })
  .strict();
const renewalDefaults = {
  allowed: true,
  earliestDaysBeforeExpiry: 30,
  graceDaysAfterExpiry: 0,
  maxRenewalsPerCertificate: 1,
  fromProfiles: [],
  requireSameSubject: true,
  requireSameSubjectAltNames: true,
};

/** Allowed key algorithms and sizes (scep-protocol.md §6.1). null = that algorithm is not allowed. */
export const KeyRules = z
  .object({
    rsa: z
      .object({ minBits: z.number().int().min(1024).max(16384).default(2048), maxBits: z.number().int().min(1024).max(16384).default(8192) })
      .strict()
      .refine((r) => r.minBits <= r.maxBits, { message: 'minBits must not exceed maxBits', path: ['minBits'] })
      .nullable()
      .default({ minBits: 2048, maxBits: 8192 }),
    ec: z
      .object({ curves: z.array(z.enum(['P-256', 'P-384'])).min(1) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict()
  .refine((k) => k.rsa !== null || k.ec !== null, { message: 'at least one key algorithm must be allowed' });

export const subjectAttributeType = z.enum(['CN', 'O', 'OU', 'C', 'L', 'ST', 'DC', 'emailAddress', 'serialNumber', 'UID', 'SN', 'GN', 'title']);

/** One attribute of the issued subject: the CSR's value (optionally pattern-checked) or a fixed value. */
export const SubjectAttributeRule = z
  .object({
    type: subjectAttributeType,
    source: z.enum(['csr', 'fixed']).default('csr'),
    /** Fixed value (source = fixed). */
    value: z.string().min(1).max(256).optional(),
    /** Every CSR value of this type must match (source = csr). */
    pattern: pattern.optional(),
    /** source = csr: the CSR must carry this attribute. */
    required: z.boolean().default(true),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.source === 'fixed' && rule.value === undefined) ctx.addIssue({ code: 'custom', message: 'a fixed attribute needs a value', path: ['value'] });
    if (rule.source === 'csr' && rule.value !== undefined) ctx.addIssue({ code: 'custom', message: 'value is only for source "fixed"', path: ['value'] });
  });

export const SubjectRules = z
  .object({
    /** The issued subject is built from these, in this order (most specific first). Omitted: the CSR subject as is. */
    template: z.array(SubjectAttributeRule).min(1).max(20).optional(),
    /** CSR attributes the template does not mention: refuse the request, or leave them out of the certificate. */
    otherAttributes: z.enum(['refuse', 'drop']).default('refuse'),
  })
  .strict();

const SanTypeRule = z
  .object({
    allowed: z.boolean().default(true),
    required: z.boolean().default(false),
    /** Every value of this type must match. */
    pattern: pattern.optional(),
    max: z.number().int().min(1).max(100).optional(),
  })
  .strict()
  .refine((r) => r.allowed || !r.required, { message: 'a required SAN type must be allowed', path: ['required'] });
/** A SAN type nobody configured: not allowed (a type an operator names is allowed unless it says otherwise). */
const sanDefaults = { allowed: false, required: false };

/**
 * subjectAltName rules (RFC 5280 §4.2.1.6). SANs pass into the certificate as requested once every rule holds. A new
 * profile allows no SAN type until its rules name it (docs/adr/008-abuse-and-client-addresses.md).
 */
export const SanRules = z
  .object({
    dns: SanTypeRule.default(sanDefaults),
    email: SanTypeRule.default(sanDefaults),
    uri: SanTypeRule.default(sanDefaults),
    ip: SanTypeRule.default(sanDefaults),
    /** Intune's SID URI (tag:microsoft.com,2022-09-14:sid:...) passes even where URIs are not allowed or not matched. */
    allowIntuneSid: z.boolean().default(false),
    /** otherName, directoryName, etc.: refused unless allowed. */
    otherTypes: z.enum(['refuse', 'allow']).default('refuse'),
  })
  .strict();

/** RFC 5280 §4.2.1.12 names accepted besides dotted OIDs. */
export const EXTENDED_KEY_USAGE_NAMES: Readonly<Record<string, string>> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  ipsecIKE: '1.3.6.1.5.5.7.3.17',
  smartcardLogon: '1.3.6.1.4.1.311.20.2.2',
};

export const ApprovalRules = z
  .object({
    /** manual: the device gets PENDING until an operator approves or rejects (Intune profiles are always auto). */
    mode: z.enum(['auto', 'manual']).default('auto'),
    /** A pending request expires after this (later polls: FAILURE badCertId). */
    pendingTtlHours: z.number().int().min(1).max(24 * 90).default(72),
  })
  .strict();

/** A profile's policy rules, stored as versioned data by the policy service and validated on write. */
export const PolicyRules = z
  .object({
    keys: KeyRules.default({ rsa: { minBits: 2048, maxBits: 8192 }, ec: null }),
    subject: SubjectRules.default({ otherAttributes: 'refuse' }),
    subjectAltNames: SanRules.default({ dns: sanDefaults, email: sanDefaults, uri: sanDefaults, ip: sanDefaults, allowIntuneSid: false, otherTypes: 'refuse' }),
    /** Validity of issued certificates (never past the CA's own expiry); omitted = the profile's validityDays. */
    validityDays: z.number().int().min(1).max(3650).optional(),
    /** Key usage and extended key usage come from here, never from the CSR. */
    keyUsage: z
      .array(keyUsageName)
      .min(1)
      .max(5)
      .default(['digitalSignature', 'keyEncipherment']),
    extendedKeyUsage: z
      .array(z.string().refine((v) => v in EXTENDED_KEY_USAGE_NAMES || /^\d+(\.\d+)+$/.test(v), 'a known name or a dotted OID'))
      .max(10)
      .default(['clientAuth']),
    /**
     * The OCSP responder URL issued certificates carry in authorityInfoAccess (RFC 5280 §4.2.2.1): "default" = the
     * platform's responder for the issuing CA, "none" = no authorityInfoAccess, or an http(s) URL of your own responder.
     */
    ocspUrl: z.union([z.literal('default'), z.literal('none'), ocspResponderUrl]).default('default'),
    /** refuse-while-valid: no new certificate while an unexpired, unrevoked one with the same subject exists (renewals excepted). */
    duplicates: z.enum(['allow', 'refuse-while-valid']).default('allow'),
    renewal: RenewalRules.default(renewalDefaults),
    approval: ApprovalRules.default({ mode: 'auto', pendingTtlHours: 72 }),
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

export const ruleResult = z.object({ rule: z.string(), passed: z.boolean(), detail: z.string() });

/** admin-api -> policy-service: the decision for a CSR under a profile's rules, recording and issuing nothing. */
export const PolicyDryRun = defineRpc(
  'policy.dry-run',
  z.object({ tenantId: uuid, profileId: uuid, csrDer: base64 }),
  z.object({
    outcome: z.enum(['approve', 'pending', 'reject']),
    failInfo: failInfoName.optional(),
    reason: z.string().optional(),
    policyVersion: z.number().int(),
    rules: z.array(ruleResult),
    certificate: certificatePlan.optional(),
  }),
);
