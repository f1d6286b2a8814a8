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
