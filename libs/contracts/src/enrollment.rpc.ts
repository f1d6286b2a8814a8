import { z } from 'zod';
import { defineRpc } from './rpc-contract';
import { csrFacts } from './challenge.rpc';
import { base64, contentCipherName, failInfoName, sha256Hex, uuid } from './primitives';

/** The state of an enrollment transaction as the gateway needs it to answer the device. */
export const enrollmentState = z.discriminatedUnion('state', [
  /** Certificate issued: the gateway answers SUCCESS with it. */
  z.object({ state: z.literal('issued'), certificateDer: base64, serialHex: z.string() }),
  /** Approved and queued for signing: the gateway waits for `jobId` up to the profile's sync-wait. */
  z.object({ state: z.literal('queued'), jobId: z.string() }),
  /** Waiting for something other than the signer (manual approval): the gateway answers PENDING. */
  z.object({ state: z.literal('pending') }),
  /** Refused or failed: the gateway answers FAILURE with this failInfo. */
  z.object({ state: z.literal('rejected'), failInfo: failInfoName, reason: z.string().max(200) }),
]);
export type EnrollmentState = z.infer<typeof enrollmentState>;

/** The certificate a renewal request was signed with, as the gateway verified it against the profile's CA. */
export const renewalFacts = z.object({
  caId: uuid,
  serialHex: z.string().regex(/^[0-9A-F]{1,40}$/),
  subject: z.string().max(4096),
  notBefore: z.string(),
  notAfter: z.string(),
});

/** gateway -> policy-service: record (idempotently) and decide a PKCSReq or RenewalReq. */
export const EnrollmentSubmit = defineRpc(
  'enrollment.submit',
  z.object({
    tenantId: uuid,
    profileId: uuid,
    transactionId: z.string().min(1).max(256),
    messageType: z.number().int(),
    csrDer: base64,
    /** Facts the gateway read from the CSR (the policy decides on these; the signer re-reads the CSR itself). */
    csr: csrFacts,
    /** SHA-256 of the CSR DER and of its SubjectPublicKeyInfo. */
    csrFingerprint: sha256Hex,
    keyFingerprint: sha256Hex,
    /** SHA-256 of the SubjectPublicKeyInfo of the certificate that signed the pkiMessage. */
    signerFingerprint: sha256Hex,
    /**
     * SHA-256 of the signer's identity: issuing CA + serial for a certificate of this platform, the key otherwise.
     * Same key, another identity = another request (a renewal, §9.4); re-encoding a certificate cannot change it.
     */
    signerCertificateFingerprint: sha256Hex,
    /** The CA whose RA the request was encrypted to: it issues the certificate (RFC 8894 §4.7). */
    issuingCaId: uuid,
    /** Present when the signer certificate was issued by one of the profile's CAs (signature checked by the gateway). */
    renewal: renewalFacts.optional(),
    requestCipher: contentCipherName,
    requestDigest: z.string(),
  }),
  enrollmentState,
);

/** gateway -> policy-service: the current state of a transaction (CertPoll / GetCertInitial). */
export const EnrollmentStatus = defineRpc(
  'enrollment.status',
  z.object({
    tenantId: uuid,
    profileId: uuid,
    transactionId: z.string().min(1).max(256),
    /** The poll must be signed by the key that signed the original request (scep-protocol.md §9.3). */
    signerFingerprint: sha256Hex,
  }),
  z.union([enrollmentState, z.object({ state: z.literal('unknown') })]),
);

/** A transaction as operators see it: the request, the decision with every rule's result, the outcome. */
export const enrollmentView = z.object({
  id: uuid,
  profileId: uuid,
  transactionId: z.string(),
  messageType: z.number().int(),
  status: z.enum(['queued', 'pending', 'issued', 'rejected', 'failed', 'expired']),
  subject: z.string(),
  keyFingerprint: sha256Hex,
  renewalOfSerial: z.string().optional(),
  failInfo: failInfoName.optional(),
  reason: z.string().optional(),
  decision: z.object({
    rules: z.array(z.object({ rule: z.string(), passed: z.boolean(), detail: z.string() })),
    decidedAt: z.string(),
    approver: z.string(),
    policyVersion: z.number().int().optional(),
  }),
  certificateSerial: z.string().optional(),
  createdAt: z.string(),
  pendingUntil: z.string().optional(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  completedAt: z.string().optional(),
});
export type EnrollmentView = z.infer<typeof enrollmentView>;

/** admin-api -> policy-service: transactions of a tenant (newest first), e.g. pending ones or one transactionID. */
export const EnrollmentFind = defineRpc(
  'enrollment.find',
  z.object({
    tenantId: uuid,
    profileId: uuid.optional(),
    status: z.enum(['queued', 'pending', 'issued', 'rejected', 'failed', 'expired']).optional(),
    transactionId: z.string().min(1).max(256).optional(),
    limit: z.number().int().min(1).max(500).default(100),
  }),
  z.object({ items: z.array(enrollmentView) }),
);

/** admin-api -> policy-service: an operator's verdict on a pending (manual approval) transaction. */
export const EnrollmentDecide = defineRpc(
  'enrollment.decide',
  z.object({
    tenantId: uuid,
    enrollmentId: uuid,
    verdict: z.enum(['approve', 'reject']),
    actor: z.string().min(1).max(200),
    reason: z.string().max(200).optional(),
  }),
  z.discriminatedUnion('result', [
    z.object({ result: z.literal('decided'), enrollment: enrollmentView }),
    /** Not pending (already decided, expired, or never manual): nothing changed. */
    z.object({ result: z.literal('not-pending'), status: z.string() }),
    z.object({ result: z.literal('not-found') }),
  ]),
);
