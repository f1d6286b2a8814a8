import { z } from 'zod';
import { base64, rsaKeySize, uuid } from './primitives';
import { holdReleaseResult, revocationActor, revocationComment, revocationReasonCode, revocationResult, revocationSelector, serialHex } from './revocation';
import { SIGNING_OUTCOME_SUBJECT_PATTERN, approvalMac, signingApproval } from './signing';

/** BullMQ queue names (kebab-case nouns) and job names (verb-nouns). One registry for all services. */
export const Queues = {
  /** policy-service -> signer-worker: sign one certificate per approved transaction (outcomes come back over NATS). */
  certificateSigning: 'certificate-signing',
  /** admin-api -> signer-worker: generate CA and RA keys and certificates. */
  keyManagement: 'key-management',
  /**
   * admin-api -> signer-worker: revoke certificates and release holds; the signer records them and issues the CAs'
   * next CRLs in the same job. Its own queue, so that revocations never wait behind key generation.
   */
  certificateRevocation: 'certificate-revocation',
  /** challenge-service -> itself: deliveries of the Intune notification outbox, retried with backoff. */
  challengeNotifications: 'challenge-notifications',
} as const;
export type QueueName = (typeof Queues)[keyof typeof Queues];

export interface JobContract<P extends z.ZodType, R extends z.ZodType> {
  readonly queue: QueueName;
  readonly name: string;
  readonly payload: P;
  readonly result: R;
}

function defineJob<P extends z.ZodType, R extends z.ZodType>(queue: QueueName, name: string, payload: P, result: R): JobContract<P, R> {
  return { queue, name, payload, result };
}

export type JobPayload<J> = J extends JobContract<infer P, z.ZodType> ? z.input<P> : never;
export type JobResult<J> = J extends JobContract<z.ZodType, infer R> ? z.output<R> : never;

/**
 * One approved plan to sign (policy-service -> signer-worker). The signer verifies `mac` over the approval before
 * anything else and reports the outcome on `replyTo` (signingOutcomeMessage). Idempotent per enrollment.
 */
export const SignCertificate = defineJob(
  Queues.certificateSigning,
  'sign-certificate',
  z.object({ approval: signingApproval, mac: approvalMac, replyTo: z.string().regex(SIGNING_OUTCOME_SUBJECT_PATTERN) }),
  z.object({ serialHex: z.string() }),
);

export const GenerateCa = defineJob(
  Queues.keyManagement,
  'generate-ca',
  z.object({
    tenantId: uuid,
    caId: uuid,
    name: z.string().min(1).max(128),
    subjectDn: z.string().min(3).max(1024),
    keySize: rsaKeySize,
    validityDays: z.number().int().min(1).max(36500),
  }),
  z.object({ caId: uuid, certificateDer: base64, notAfter: z.string() }),
);

export const IssueRaCredential = defineJob(
  Queues.keyManagement,
  'issue-ra-credential',
  z.object({
    tenantId: uuid,
    caId: uuid,
    raCredentialId: uuid,
    subjectDn: z.string().min(3).max(1024),
    validityDays: z.number().int().min(1).max(3650),
  }),
  z.object({ raCredentialId: uuid, certificateDer: base64, notAfter: z.string() }),
);

/** Scheduled in the signer: issue a fresh CRL for every CA whose current one is missing or nears its nextUpdate. */
export const RefreshCrls = defineJob(
  Queues.keyManagement,
  'refresh-crls',
  z.object({ tenantId: uuid.optional() }),
  z.object({ issued: z.number().int().min(0) }),
);

/**
 * Scheduled in the signer (and at CA creation): a delegated OCSP responder certificate for every valid CA whose newest
 * one is missing or past half its validity (docs/adr/010-revocation-crl-ocsp.md).
 */
export const RefreshOcspResponders = defineJob(
  Queues.keyManagement,
  'refresh-ocsp-responders',
  z.object({ tenantId: uuid.optional() }),
  z.object({ issued: z.number().int().min(0) }),
);

/**
 * Revokes certificates of one tenant (RFC 5280 §5.3.1 reason, who, why) and issues the next CRL of every CA concerned
 * before it completes. Idempotent: a certificate already revoked with the same reason is reported unchanged.
 */
export const RevokeCertificates = defineJob(
  Queues.certificateRevocation,
  'revoke-certificates',
  z.object({
    tenantId: uuid,
    selector: revocationSelector,
    reasonCode: revocationReasonCode,
    comment: revocationComment.optional(),
    actor: revocationActor,
  }),
  revocationResult,
);

/** Takes a certificate off hold (certificateHold is the only revocation that can be undone); the next CRL drops it. */
export const ReleaseCertificateHold = defineJob(
  Queues.certificateRevocation,
  'release-certificate-hold',
  z.object({ tenantId: uuid, serialHex, caId: uuid.optional(), actor: revocationActor }),
  holdReleaseResult,
);

/** Sends one row of the Intune notification outbox (challenge.intune_notifications); the row is the durable record. */
export const SendIntuneNotification = defineJob(
  Queues.challengeNotifications,
  'send-intune-notification',
  z.object({ tenantId: uuid, notificationId: uuid }),
  z.object({ sent: z.boolean() }),
);

/** Every job, for the startup check that each has exactly one handler. */
export const AllJobs = [
  SignCertificate,
  GenerateCa,
  IssueRaCredential,
  RefreshCrls,
  RefreshOcspResponders,
  RevokeCertificates,
  ReleaseCertificateHold,
  SendIntuneNotification,
] as const;

/**
 * The one place job ids are built. Deterministic ids make enqueueing idempotent (BullMQ ignores an add whose id
 * exists). BullMQ rejects most ids containing ':' — we only join uuids and fixed words with '_'.
 */
export const JobIds = {
  signCertificate: (tenantId: string, enrollmentId: string) => `sign_${tenantId}_${enrollmentId}`,
  generateCa: (tenantId: string, caId: string) => `ca_${tenantId}_${caId}`,
  issueRaCredential: (tenantId: string, raCredentialId: string) => `ra_${tenantId}_${raCredentialId}`,
  sendIntuneNotification: (tenantId: string, notificationId: string) => `intune_${tenantId}_${notificationId}`,
  /** The responder sweep a starting signer adds: one per time window, however many replicas start in it. */
  refreshOcspRespondersAtStart: (window: string) => `ocsp-responders_start_${window}`,
  /** One per API request (a revocation is idempotent by state, not by job: a later request must run again). */
  revocation: (tenantId: string, requestId: string) => `revoke_${tenantId}_${requestId}`,
};
