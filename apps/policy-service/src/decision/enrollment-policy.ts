import type { FailInfoName, PolicyRulesValue } from '@scep/contracts';

/** What the policy knows about a request (read by the gateway from the CSR). */
export interface CsrFacts {
  readonly subject: string;
  readonly subjectAltNames: ReadonlyArray<{ type: string; value: string }>;
  readonly keyAlgorithm: string;
  readonly keySize: number;
}

/** The certificate a renewal is authenticated by, as verified by the gateway and looked up in the issuance store. */
export interface RenewalFacts {
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Found among the certificates this CA issued. */
  readonly known: boolean;
  readonly revoked: boolean;
}

export interface RuleResult {
  readonly rule: string;
  readonly passed: boolean;
  readonly detail: string;
  /** The failInfo a device gets when this rule fails (badRequest unless the rule says otherwise). */
  readonly failInfo?: FailInfoName;
}

export type PolicyDecision =
  | { readonly outcome: 'approve'; readonly rules: RuleResult[] }
  | { readonly outcome: 'reject'; readonly rules: RuleResult[]; readonly failInfo: FailInfoName; readonly reason: string };

/** The certificate a profile issues (later issues make this per-profile data). */
export const DEFAULT_CERTIFICATE_TEMPLATE = {
  keyUsage: ['digitalSignature', 'keyEncipherment'] as ('digitalSignature' | 'keyEncipherment')[],
  /** id-kp-clientAuth (RFC 5280 §4.2.1.12). */
  extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'],
  copySubjectAltName: true,
};

const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;
const DAY_MS = 86_400_000;

type Rule = (csr: CsrFacts) => RuleResult;

/**
 * The baseline rules every profile applies; profile-specific rules compose in front of these. Each rule is pure
 * and reports why it passed or failed, so an operator can answer "why was this refused?".
 */
const baselineRules: Rule[] = [
  (csr) => ({
    rule: 'key-algorithm',
    passed: csr.keyAlgorithm === 'rsa',
    // The CertRep is enveloped to the requester's key with RSA key transport (RFC 8894 §3.2.2): RSA only.
    detail: csr.keyAlgorithm === 'rsa' ? 'rsa' : `${csr.keyAlgorithm} keys are not accepted (RSA only)`,
  }),
  (csr) => ({
    rule: 'key-size',
    passed: csr.keyAlgorithm !== 'rsa' || (csr.keySize >= MIN_RSA_BITS && csr.keySize <= MAX_RSA_BITS),
    detail: `${csr.keySize} bits (allowed ${MIN_RSA_BITS}-${MAX_RSA_BITS})`,
  }),
  (csr) => ({
    rule: 'subject-present',
    passed: csr.subject.length > 0 || csr.subjectAltNames.length > 0,
    detail: csr.subject.length > 0 ? 'subject present' : csr.subjectAltNames.length > 0 ? 'empty subject with SAN' : 'empty subject and no SAN',
  }),
];

/**
 * Renewal rules (RFC 8894 §3.3.1.2, scep-protocol.md §10): a request authenticated by a certificate this CA issued
 * instead of a challenge. Unknown, revoked or expired certificates are badCertId; the rest badRequest.
 */
export function renewalRules(rules: PolicyRulesValue['renewal'], renewal: RenewalFacts, csr: CsrFacts, now: Date): RuleResult[] {
  const graceEnd = renewal.notAfter.getTime() + rules.graceDaysAfterExpiry * DAY_MS;
  const windowStart = rules.earliestDaysBeforeExpiry === undefined ? -Infinity : renewal.notAfter.getTime() - rules.earliestDaysBeforeExpiry * DAY_MS;
  return [
    { rule: 'renewal-allowed', passed: rules.allowed, detail: rules.allowed ? 'profile allows renewal' : 'profile does not allow renewal' },
    { rule: 'renewal-certificate-known', passed: renewal.known, detail: renewal.known ? 'issued by this CA' : 'not a certificate this CA issued', failInfo: 'badCertId' },
    { rule: 'renewal-not-revoked', passed: !renewal.revoked, detail: renewal.revoked ? 'certificate revoked' : 'not revoked', failInfo: 'badCertId' },
    {
      rule: 'renewal-validity',
      passed: now.getTime() >= renewal.notBefore.getTime() && now.getTime() <= graceEnd,
      detail: now.getTime() > renewal.notAfter.getTime() ? `expired ${renewal.notAfter.toISOString()} (grace ${rules.graceDaysAfterExpiry} days)` : 'within validity',
      failInfo: 'badCertId',
    },
    {
      rule: 'renewal-window',
      passed: now.getTime() >= windowStart,
      detail: rules.earliestDaysBeforeExpiry === undefined ? 'any time' : `from ${new Date(windowStart).toISOString()} (${rules.earliestDaysBeforeExpiry} days before expiry)`,
    },
    {
      rule: 'renewal-same-subject',
      passed: !rules.requireSameSubject || csr.subject === renewal.subject,
      detail: rules.requireSameSubject ? (csr.subject === renewal.subject ? 'same subject' : `subject changes from "${renewal.subject}"`) : 'not required',
    },
  ];
}

export function evaluateEnrollment(csr: CsrFacts, extra: RuleResult[] = []): PolicyDecision {
  const rules = [...baselineRules.map((rule) => rule(csr)), ...extra];
  const failed = rules.find((r) => !r.passed);
  return failed
    ? { outcome: 'reject', rules, failInfo: failed.failInfo ?? 'badRequest', reason: `${failed.rule}: ${failed.detail}` }
    : { outcome: 'approve', rules };
}
