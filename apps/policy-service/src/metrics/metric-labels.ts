import { subjectAttributeType } from '@scep/contracts';

/** Every rule name the decision code (src/decision) and the enrollment service record: the `rule` label's closed set. */
const RULES = new Set<string>([
  'key',
  'subject-template',
  ...subjectAttributeType.options.map((type) => `subject-${type}`),
  'subject-other-attributes',
  'subject-present',
  'san-dns',
  'san-email',
  'san-uri',
  'san-ip',
  'san-intune-sid',
  'san-other',
  'renewal-signer',
  'renewal-allowed',
  'renewal-certificate-known',
  'renewal-profile',
  'renewal-not-revoked',
  'renewal-validity',
  'renewal-window',
  'renewal-count',
  'renewal-same-subject',
  'renewal-same-subject-alt-names',
  'duplicates',
  'approval',
]);

/** The `rule` label of a failed rule: its name when it is one of ours, "other" otherwise (bounded whatever happens). */
export function ruleLabel(rule: string): string {
  return RULES.has(rule) ? rule : 'other';
}

/**
 * The signer's stable reason codes (thrown as UnrecoverableError by apps/signer-worker) and the reconciler's own
 * reasons, as `reason` label values; anything else — a transient error that exhausted the job's attempts, whose text
 * may be anything — is "error".
 */
const SIGNING_FAILURE_REASONS: Readonly<Record<string, string>> = {
  'approval-expired': 'approval_expired',
  'approval-forged': 'approval_forged',
  'ca-expired': 'ca_expired',
  'ca-not-found': 'ca_not_found',
  'plan-not-issuable': 'plan_not_issuable',
  'not signed within the approval window': 'approval_window_passed',
  'no signable plan': 'no_signable_plan',
  'job failed': 'job_failed',
};

export const SIGNING_FAILURE_REASON_LABELS = [...new Set(Object.values(SIGNING_FAILURE_REASONS)), 'error'];

export function signingFailureReason(reason: string): string {
  return SIGNING_FAILURE_REASONS[reason] ?? 'error';
}
