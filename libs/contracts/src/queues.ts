import { z } from 'zod';
import { base64, rsaKeySize, uuid } from './primitives';
import { SIGNING_OUTCOME_SUBJECT_PATTERN, approvalMac, signingApproval } from './signing';

/** BullMQ queue names (kebab-case nouns) and job names (verb-nouns). One registry for all services. */
export const Queues = {
  /** policy-service -> signer-worker: sign one certificate per approved transaction (outcomes come back over NATS). */
  certificateSigning: 'certificate-signing',
  /** admin-api -> signer-worker: generate CA and RA keys and certificates. */
  keyManagement: 'key-management',
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

/** Sends one row of the Intune notification outbox (challenge.intune_notifications); the row is the durable record. */
export const SendIntuneNotification = defineJob(
  Queues.challengeNotifications,
  'send-intune-notification',
  z.object({ tenantId: uuid, notificationId: uuid }),
  z.object({ sent: z.boolean() }),
);

/** Every job, for the startup check that each has exactly one handler. */
export const AllJobs = [SignCertificate, GenerateCa, IssueRaCredential, RefreshCrls, SendIntuneNotification] as const;

/**
 * The one place job ids are built. Deterministic ids make enqueueing idempotent (BullMQ ignores an add whose id
 * exists). BullMQ rejects most ids containing ':' — we only join uuids and fixed words with '_'.
 */
export const JobIds = {
  signCertificate: (tenantId: string, enrollmentId: string) => `sign_${tenantId}_${enrollmentId}`,
  generateCa: (tenantId: string, caId: string) => `ca_${tenantId}_${caId}`,
  issueRaCredential: (tenantId: string, raCredentialId: string) => `ra_${tenantId}_${raCredentialId}`,
  sendIntuneNotification: (tenantId: string, notificationId: string) => `intune_${tenantId}_${notificationId}`,
};
