import type { PolicyRulesValue } from '@scep/contracts';
import { type RuleResult, fail, pass } from './rule-result';

/** The certificate a renewal is authenticated by, as verified by the gateway and looked up in the issuance store. */
export interface RenewalFacts {
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Found among the certificates this CA issued. */
  readonly known: boolean;
  readonly revoked: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Renewal rules (RFC 8894 §3.3.1.2, scep-protocol.md §10): a request authenticated by a certificate this CA issued
 * instead of a challenge. Unknown, revoked or expired certificates are badCertId; the rest badRequest.
 */
export function renewalRules(rules: PolicyRulesValue['renewal'], renewal: RenewalFacts, newSubject: string, now: Date): RuleResult[] {
  const graceEnd = renewal.notAfter.getTime() + rules.graceDaysAfterExpiry * DAY_MS;
  const windowStart = rules.earliestDaysBeforeExpiry === undefined ? -Infinity : renewal.notAfter.getTime() - rules.earliestDaysBeforeExpiry * DAY_MS;
  const valid = now.getTime() >= renewal.notBefore.getTime() && now.getTime() <= graceEnd;
  const expired = now.getTime() > renewal.notAfter.getTime();
  return [
    rules.allowed ? pass('renewal-allowed', 'profile allows renewal') : fail('renewal-allowed', 'profile does not allow renewal'),
    renewal.known ? pass('renewal-certificate-known', 'issued by this CA') : fail('renewal-certificate-known', 'not a certificate this CA issued', 'badCertId'),
    renewal.revoked ? fail('renewal-not-revoked', 'certificate revoked', 'badCertId') : pass('renewal-not-revoked', 'not revoked'),
    valid
      ? pass('renewal-validity', expired ? `expired ${renewal.notAfter.toISOString()}, within ${rules.graceDaysAfterExpiry} days of grace` : 'within validity')
      : fail('renewal-validity', expired ? `expired ${renewal.notAfter.toISOString()} (grace ${rules.graceDaysAfterExpiry} days)` : 'not yet valid', 'badCertId'),
    now.getTime() >= windowStart
      ? pass('renewal-window', rules.earliestDaysBeforeExpiry === undefined ? 'any time' : `within ${rules.earliestDaysBeforeExpiry} days of expiry`)
      : fail('renewal-window', `too early: from ${new Date(windowStart).toISOString()} (${rules.earliestDaysBeforeExpiry} days before expiry)`),
    !rules.requireSameSubject || newSubject === renewal.subject
      ? pass('renewal-same-subject', rules.requireSameSubject ? 'same subject' : 'not required')
      : fail('renewal-same-subject', `subject changes from "${renewal.subject}"`),
  ];
}
