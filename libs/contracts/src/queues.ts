import { z } from 'zod';
import { base64, rsaKeySize, uuid } from './primitives';

/** BullMQ queue names (kebab-case nouns) and job names (verb-nouns). One registry for all services. */
export const Queues = {
  /** policy-service -> signer-worker: sign one certificate per approved transaction. */
  certificateSigning: 'certificate-signing',
  /** admin-api -> signer-worker: generate CA and RA keys and certificates. */
  keyManagement: 'key-management',
  /** signer-worker -> policy-service: outcomes of signing jobs, durably. */
  enrollmentOutcomes: 'enrollment-outcomes',
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

export const keyUsageName = z.enum([
  'digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement',
]);

export const SignCertificate = defineJob(
  Queues.certificateSigning,
  'sign-certificate',
  z.object({
    tenantId: uuid,
    profileId: uuid,
    caId: uuid,
    /** The enrollment transaction's id: the certificate is unique per enrollment. */
    enrollmentId: uuid,
    csrDer: base64,
    validityDays: z.number().int().min(1).max(3650),
    keyUsage: z.array(keyUsageName),
    extendedKeyUsage: z.array(z.string().regex(/^\d+(\.\d+)+$/)),
    /** Copy the CSR's subjectAltName extension (vetted by policy). */
    copySubjectAltName: z.boolean(),
    /** The issued subject when policy built it from a template (RFC 4514); absent = the CSR's subject, byte for byte. */
    subjectDn: z.string().min(1).max(4096).optional(),
  }),
  z.object({ certificateDer: base64, serialHex: z.string(), notAfter: z.string() }),
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

export const RecordIssuance = defineJob(
  Queues.enrollmentOutcomes,
  'record-issuance',
  z.object({
    tenantId: uuid,
    enrollmentId: uuid,
    serialHex: z.string(),
    certificateDer: base64,
  }),
  z.object({ recorded: z.boolean() }),
);

export const RecordSigningFailure = defineJob(
  Queues.enrollmentOutcomes,
  'record-signing-failure',
  z.object({
    tenantId: uuid,
    enrollmentId: uuid,
    /** Stable, non-secret reason code. */
    reason: z.string().max(200),
  }),
  z.object({ recorded: z.boolean() }),
);

/** Sends one row of the Intune notification outbox (challenge.intune_notifications); the row is the durable record. */
export const SendIntuneNotification = defineJob(
  Queues.challengeNotifications,
  'send-intune-notification',
  z.object({ tenantId: uuid, notificationId: uuid }),
  z.object({ sent: z.boolean() }),
);

/** Every job, for the startup check that each has exactly one handler. */
export const AllJobs = [SignCertificate, GenerateCa, IssueRaCredential, RefreshCrls, RecordIssuance, RecordSigningFailure, SendIntuneNotification] as const;

/**
 * The one place job ids are built. Deterministic ids make enqueueing idempotent (BullMQ ignores an add whose id
 * exists). BullMQ rejects most ids containing ':' — we only join uuids and fixed words with '_'.
 */
export const JobIds = {
  signCertificate: (tenantId: string, enrollmentId: string) => `sign_${tenantId}_${enrollmentId}`,
  recordOutcome: (tenantId: string, enrollmentId: string) => `outcome_${tenantId}_${enrollmentId}`,
  generateCa: (tenantId: string, caId: string) => `ca_${tenantId}_${caId}`,
  issueRaCredential: (tenantId: string, raCredentialId: string) => `ra_${tenantId}_${raCredentialId}`,
  sendIntuneNotification: (tenantId: string, notificationId: string) => `intune_${tenantId}_${notificationId}`,
};
