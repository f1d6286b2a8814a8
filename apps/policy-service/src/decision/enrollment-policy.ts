import type { FailInfoName } from '@scep/contracts';

/** What the policy knows about a request (read by the gateway from the CSR). */
export interface CsrFacts {
  readonly subject: string;
  readonly subjectAltNames: ReadonlyArray<{ type: string; value: string }>;
  readonly keyAlgorithm: string;
  readonly keySize: number;
}

export interface RuleResult {
  readonly rule: string;
  readonly passed: boolean;
  readonly detail: string;
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

type Rule = (csr: CsrFacts) => RuleResult;

/**
 * The baseline rules every profile applies; profile-specific rules (issue: policy rules) compose in front of these.
 * Each rule is pure and reports why it passed or failed, so an operator can answer "why was this refused?".
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

export function evaluateEnrollment(csr: CsrFacts): PolicyDecision {
  const rules = baselineRules.map((rule) => rule(csr));
  const failed = rules.find((r) => !r.passed);
  return failed ? { outcome: 'reject', rules, failInfo: 'badRequest', reason: `${failed.rule}: ${failed.detail}` } : { outcome: 'approve', rules };
}
