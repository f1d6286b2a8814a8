import { type CertificatePlan, EXTENDED_KEY_USAGE_NAMES, type FailInfoName, type PolicyRulesValue } from '@scep/contracts';
import { keyRule } from './key-rules';
import { type RenewalFacts, renewalChange, renewalRules } from './renewal-rules';
import { type RuleResult, fail, pass } from './rule-result';
import { sanRules } from './san-rules';
import { subjectRules } from './subject-rules';

/** What the policy knows about a request (read by the gateway, or by the dry run, from the CSR). */
export interface CsrFacts {
  readonly subject: string;
  readonly subjectAltNames: ReadonlyArray<{ type: string; value: string }>;
  readonly keyAlgorithm: string;
  readonly keySize: number;
}

/** Where the issued subject's bytes come from: the CSR as is, or the profile's template (plan.subject encoded). */
export type SubjectSource = 'csr' | 'template';

export interface EvaluationInput {
  readonly csr: CsrFacts;
  readonly rules: PolicyRulesValue;
  readonly profileValidityDays: number;
  /** Intune profiles never answer PENDING (Intune validates each request itself). */
  readonly challengeMode: string;
  readonly renewal?: RenewalFacts;
  /** Whether an unexpired, unrevoked certificate with the issued subject exists (checked only when the rule asks). */
  readonly duplicateExists?: boolean;
  readonly now: Date;
}

export type PolicyDecision =
  | { readonly outcome: 'approve' | 'pending'; readonly rules: RuleResult[]; readonly plan: CertificatePlan; readonly subjectSource: SubjectSource }
  | {
      readonly outcome: 'reject';
      readonly rules: RuleResult[];
      readonly failInfo: FailInfoName;
      readonly reason: string;
      readonly plan?: CertificatePlan;
      readonly subjectSource?: SubjectSource;
    };

/**
 * The profile's rules applied to one request, each reporting why it passed or failed. Key usage, EKU and validity
 * always come from the rules, never from the CSR.
 */
export function evaluate(input: EvaluationInput): PolicyDecision {
  const { csr, rules } = input;
  const subject = subjectRules(rules.subject, csr.subject);
  const issuedSubject = subject.subjectDn ?? csr.subject;
  const results: RuleResult[] = [
    keyRule(rules.keys, csr),
    ...subject.results,
    issuedSubject.length > 0 || csr.subjectAltNames.length > 0 ? pass('subject-present', 'subject or SAN present') : fail('subject-present', 'empty subject and no SAN'),
    ...sanRules(rules.subjectAltNames, csr.subjectAltNames),
  ];
  const issuedIdentity = { subject: issuedSubject, subjectAltNames: csr.subjectAltNames };
  if (input.renewal) results.push(...renewalRules(rules.renewal, input.renewal, issuedIdentity, input.now));
  if (rules.duplicates === 'refuse-while-valid' && !input.renewal) {
    results.push(input.duplicateExists ? fail('duplicates', `a valid certificate for "${issuedSubject}" exists`) : pass('duplicates', 'no valid certificate with this subject'));
  }
  const plan: CertificatePlan = {
    subject: issuedSubject,
    subjectAltNames: [...csr.subjectAltNames],
    keyUsage: [...rules.keyUsage],
    extendedKeyUsage: rules.extendedKeyUsage.map((e) => EXTENDED_KEY_USAGE_NAMES[e] ?? e),
    validityDays: rules.validityDays ?? input.profileValidityDays,
    // Left out for "default": the signer writes the deployment's responder URL, and plans stay as they were before.
    ...(rules.ocspUrl !== 'default' ? { ocspUrl: rules.ocspUrl } : {}),
  };
  const subjectSource: SubjectSource = subject.subjectDn === undefined ? 'csr' : 'template';
  const failed = results.find((r) => !r.passed);
  if (failed) return { outcome: 'reject', rules: results, failInfo: failed.failInfo ?? 'badRequest', reason: `${failed.rule}: ${failed.detail}`, plan, subjectSource };
  // On a manual-approval profile a renewal that keeps the subject and SANs is authenticated by the certificate it
  // renews; one that changes them (where the rules allow it) names someone new and waits for an operator.
  const change = input.renewal ? renewalChange(input.renewal, issuedIdentity) : undefined;
  const renewalKeepsIdentity = change !== undefined && !change.subject && !change.subjectAltNames;
  const manual = rules.approval.mode === 'manual' && !renewalKeepsIdentity && input.challengeMode !== 'intune';
  if (manual) {
    const why = input.renewal ? 'renewal changes the subject or SANs: ' : '';
    results.push(pass('approval', `manual: ${why}pending for up to ${rules.approval.pendingTtlHours} hours`));
  }
  return { outcome: manual ? 'pending' : 'approve', rules: results, plan, subjectSource };
}
