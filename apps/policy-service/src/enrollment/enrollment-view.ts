import { type EnrollmentView, type FailInfoName, certificatePlan } from '@scep/contracts';
import type { EnrollmentTransaction } from '@scep/persistence-enrollment';

/** The recorded plan in the contract's shape (records from before plans had one shape are shown without it). */
function planOf(row: EnrollmentTransaction) {
  const parsed = certificatePlan.safeParse(row.decision.plan);
  return parsed.success ? parsed.data : undefined;
}

/** A transaction as operators see it (no CSR bytes, no certificate bytes). */
export function enrollmentView(row: EnrollmentTransaction): EnrollmentView {
  return {
    id: row.id,
    profileId: row.profileId,
    transactionId: row.transactionId,
    messageType: row.messageType,
    status: row.status,
    subject: row.subject,
    keyFingerprint: row.keyFingerprint,
    ...(row.renewalOfSerial ? { renewalOfSerial: row.renewalOfSerial } : {}),
    ...(row.failInfo ? { failInfo: row.failInfo as FailInfoName } : {}),
    ...(row.statusReason ? { reason: row.statusReason } : {}),
    decision: {
      rules: row.decision.rules,
      decidedAt: row.decision.decidedAt,
      approver: row.decision.approver,
      ...(row.decision.policyVersion !== undefined ? { policyVersion: row.decision.policyVersion } : {}),
    },
    ...(planOf(row) ? { plan: planOf(row) } : {}),
    ...(row.clientAddress ? { clientAddress: row.clientAddress } : {}),
    ...(row.certificateSerial ? { certificateSerial: row.certificateSerial } : {}),
    createdAt: row.createdAt.toISOString(),
    ...(row.pendingUntil ? { pendingUntil: row.pendingUntil.toISOString() } : {}),
    ...(row.decidedBy ? { decidedBy: row.decidedBy } : {}),
    ...(row.decidedAt ? { decidedAt: row.decidedAt.toISOString() } : {}),
    ...(row.completedAt ? { completedAt: row.completedAt.toISOString() } : {}),
  };
}
