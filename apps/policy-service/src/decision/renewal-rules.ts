import type { PolicyRulesValue } from '@scep/contracts';
import { type RuleResult, fail, pass } from './rule-result';

/**
 * The certificate a renewal is authenticated by, as the issuance store knows it (never as the gateway describes it):
 * docs/adr/007-enrollment-path-v2.md, "Renewal".
 */
export interface RenewalFacts {
  /** Found among the certificates this CA issued, and the pkiMessage's signature verified with it. */
  readonly known: boolean;
  /** Why it is not known (for the decision trace). */
  readonly unknownReason?: string;
  readonly subject: string;
  readonly subjectAltNames: ReadonlyArray<{ type: string; value: string }>;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly revoked: boolean;
  /** Slug of the profile that issued it; `self` when it is the profile being asked. */
  readonly issuedBy: 'self' | { readonly profileSlug: string };
  /** Renewals this certificate has already authenticated (refused ones not counted). */
  readonly renewalsSoFar: number;
}

/** What a renewal changes of the certificate it renews (a manual-approval profile sends such a renewal to an operator). */
export interface RenewalChange {
  readonly subject: boolean;
  readonly subjectAltNames: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Renewal rules (RFC 8894 §3.3.1.2): a request authenticated by a certificate this profile issued instead of a
 * challenge. Unknown, foreign-profile, revoked or expired certificates are badCertId; the rest badRequest.
 */
export function renewalRules(
  rules: PolicyRulesValue['renewal'],
  renewal: RenewalFacts,
  issued: { readonly subject: string; readonly subjectAltNames: ReadonlyArray<{ type: string; value: string }> },
  now: Date,
): RuleResult[] {
  if (!renewal.known) {
    return [fail('renewal-certificate-known', renewal.unknownReason ?? 'not a certificate this CA issued', 'badCertId')];
  }
  const graceEnd = renewal.notAfter.getTime() + rules.graceDaysAfterExpiry * DAY_MS;
  const windowStart = rules.earliestDaysBeforeExpiry === null ? -Infinity : renewal.notAfter.getTime() - rules.earliestDaysBeforeExpiry * DAY_MS;
  const valid = now.getTime() >= renewal.notBefore.getTime() && now.getTime() <= graceEnd;
  const expired = now.getTime() > renewal.notAfter.getTime();
  const change = renewalChange(renewal, issued);
  return [
    rules.allowed ? pass('renewal-allowed', 'profile allows renewal') : fail('renewal-allowed', 'profile does not allow renewal'),
    pass('renewal-certificate-known', 'issued by this CA; the request is signed with its key'),
    renewal.issuedBy === 'self'
      ? pass('renewal-profile', 'issued by this profile')
      : rules.fromProfiles.includes(renewal.issuedBy.profileSlug)
        ? pass('renewal-profile', `issued by profile "${renewal.issuedBy.profileSlug}", which this profile renews`)
        : fail('renewal-profile', `issued by profile "${renewal.issuedBy.profileSlug}", which this profile does not renew`, 'badCertId'),
    renewal.revoked ? fail('renewal-not-revoked', 'certificate revoked', 'badCertId') : pass('renewal-not-revoked', 'not revoked'),
    valid
      ? pass('renewal-validity', expired ? `expired ${renewal.notAfter.toISOString()}, within ${rules.graceDaysAfterExpiry} days of grace` : 'within validity')
      : fail('renewal-validity', expired ? `expired ${renewal.notAfter.toISOString()} (grace ${rules.graceDaysAfterExpiry} days)` : 'not yet valid', 'badCertId'),
    now.getTime() >= windowStart
      ? pass('renewal-window', rules.earliestDaysBeforeExpiry === null ? 'any time' : `within ${rules.earliestDaysBeforeExpiry} days of expiry`)
      : fail('renewal-window', `too early: from ${new Date(windowStart).toISOString()} (${rules.earliestDaysBeforeExpiry} days before expiry)`),
    renewal.renewalsSoFar < rules.maxRenewalsPerCertificate
      ? pass('renewal-count', `renewal ${renewal.renewalsSoFar + 1} of at most ${rules.maxRenewalsPerCertificate}`)
      : fail('renewal-count', `already renewed ${renewal.renewalsSoFar} time(s) (at most ${rules.maxRenewalsPerCertificate})`),
    !rules.requireSameSubject || !change.subject
      ? pass('renewal-same-subject', change.subject ? 'subject changes (allowed)' : 'same subject')
      : fail('renewal-same-subject', `subject changes from "${renewal.subject}"`),
    !rules.requireSameSubjectAltNames || !change.subjectAltNames
      ? pass('renewal-same-subject-alt-names', change.subjectAltNames ? 'SANs change (allowed)' : 'same SANs')
      : fail('renewal-same-subject-alt-names', 'SANs differ from the renewed certificate'),
  ];
}

/** Whether the new certificate would name someone else than the one it renews. */
export function renewalChange(
  renewal: Pick<RenewalFacts, 'subject' | 'subjectAltNames'>,
  issued: { readonly subject: string; readonly subjectAltNames: ReadonlyArray<{ type: string; value: string }> },
): RenewalChange {
  return { subject: issued.subject !== renewal.subject, subjectAltNames: !sameNames(renewal.subjectAltNames, issued.subjectAltNames) };
}

/** Equal as sets; DNS names and e-mail addresses compared without case (RFC 4343, RFC 5280 §7.5). */
function sameNames(a: ReadonlyArray<{ type: string; value: string }>, b: ReadonlyArray<{ type: string; value: string }>): boolean {
  const key = (n: { type: string; value: string }) => `${n.type}:${n.type === 'dns' || n.type === 'email' ? n.value.toLowerCase() : n.value}`;
  const left = new Set(a.map(key));
  const right = new Set(b.map(key));
  return left.size === right.size && [...left].every((k) => right.has(k));
}
