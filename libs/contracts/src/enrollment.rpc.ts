import { z } from 'zod';
import { defineRpc } from './rpc-contract';
import { certificatePlan } from './signing';
import { base64, contentCipherName, failInfoName, sha256Hex, uuid } from './primitives';

/**
 * The outcome of a transaction as the gateway needs it to answer the device. The policy service, owner of the
 * transaction, is the only source of it: it waits for the signer up to the profile's sync-wait itself, so the
 * gateway never sees a queue, a job or a signer.
 */
export const enrollmentState = z.discriminatedUnion('state', [
  /** Certificate issued: the gateway answers SUCCESS with it. */
  z.object({ state: z.literal('issued'), certificateDer: base64, serialHex: z.string() }),
  /** Waiting for an operator or for the signer: the gateway answers PENDING and the device polls. */
  z.object({ state: z.literal('pending') }),
  /** Refused or failed: the gateway answers FAILURE with this failInfo. */
  z.object({ state: z.literal('rejected'), failInfo: failInfoName, reason: z.string().max(200) }),
  /** The client is locked out of the profile (too many failed challenges): HTTP 429 with Retry-After, no CertRep. */
  z.object({ state: z.literal('throttled'), retryAfterSeconds: z.number().int().min(1).max(86_400) }),
]);
export type EnrollmentState = z.infer<typeof enrollmentState>;

/**
 * A renewal as the gateway saw it: the request was signed by a certificate one of the profile's CAs issued. The
 * policy service believes none of it on the gateway's word: it reads that certificate from the issuance store and
 * checks the signature of the pkiMessage against it (docs/adr/007-enrollment-path-v2.md, "Renewal").
 */
export const renewalClaim = z.object({
  caId: uuid,
  serialHex: z.string().regex(/^[0-9A-F]{1,40}$/),
  /** The pkiMessage as received (DER), whose SignerInfo the renewed certificate's key signed. */
  signedMessage: base64.max(192 * 1024),
});
export type RenewalClaim = z.infer<typeof renewalClaim>;

/**
 * gateway -> policy-service: record (idempotently), check and decide a PKCSReq or RenewalReq, and wait for its
 * certificate up to the profile's sync-wait. The policy service reads the CSR itself and asks the challenge service
 * itself: nothing the gateway says about the request's content is taken on trust.
 */
export const EnrollmentSubmit = defineRpc(
  'enrollment.submit',
  z.object({
    tenantId: uuid,
    profileId: uuid,
    transactionId: z.string().min(1).max(256),
    messageType: z.number().int(),
    /** The PKCS#10 request as decrypted from the pkcsPKIEnvelope. */
    csrDer: base64.max(96 * 1024),
    /** SHA-256 of the SubjectPublicKeyInfo of the certificate that signed the pkiMessage. */
    signerFingerprint: sha256Hex,
    /**
     * SHA-256 of the signer's identity: issuing CA + serial for a certificate of this platform, the key otherwise.
     * Same key, another identity = another request (a renewal, §9.4); re-encoding a certificate cannot change it.
     */
    signerCertificateFingerprint: sha256Hex,
    /** The CA whose RA the request was encrypted to: it issues the certificate (RFC 8894 §4.7). */
    issuingCaId: uuid,
    /** Present when the signer certificate was issued by one of the profile's CAs. */
    renewal: renewalClaim.optional(),
    requestCipher: contentCipherName,
    requestDigest: z.string().max(32),
    /** The device's address as the gateway determined it (rate limits, audit). */
    clientAddress: z.string().max(64).optional(),
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
  /** What will be (or was) signed: subject, SANs, key usage, EKU, validity. */
  plan: certificatePlan.optional(),
  clientAddress: z.string().optional(),
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
