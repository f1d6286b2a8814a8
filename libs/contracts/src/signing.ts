import { z } from 'zod';
import { base64, uuid } from './primitives';

export const keyUsageName = z.enum(['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement']);
export type KeyUsageName = z.infer<typeof keyUsageName>;
export const dottedOid = z.string().regex(/^\d+(\.\d+)+$/).max(128);
const isoTime = z.string().datetime({ offset: true });

/** An absolute http(s) URL of printable ASCII (what a GeneralName URI can carry, RFC 5280 §4.2.1.6). */
export const ocspResponderUrl = z
  .string()
  .max(1024)
  .regex(/^https?:\/\/[\x21-\x7e]+$/, 'an absolute http(s) URL of printable ASCII')
  .refine((value) => URL.canParse(value), 'an absolute http(s) URL');

/**
 * The certificate as policy shaped it — the one shape of the plan: recorded with the decision, shown by the dry run
 * and to approvers, and carried (with its exact DER) to the signer. Key usage, EKU and validity come from the
 * profile's rules, never from the CSR.
 */
export const certificatePlan = z.object({
  /** The issued subject (RFC 4514). */
  subject: z.string().max(4096),
  subjectAltNames: z.array(z.object({ type: z.string().max(16), value: z.string().max(1024) })).max(100),
  keyUsage: z.array(keyUsageName).min(1).max(5),
  /** Dotted OIDs. */
  extendedKeyUsage: z.array(dottedOid).max(10),
  validityDays: z.number().int().min(1).max(3650),
  /**
   * The OCSP URL in the certificate's authorityInfoAccess (RFC 5280 §4.2.2.1): absent = the deployment's responder for
   * the issuing CA (SIGNER_OCSP_BASE_URL), "none" = no authorityInfoAccess, or this URL.
   */
  ocspUrl: z.union([z.literal('none'), ocspResponderUrl]).optional(),
});
export type CertificatePlan = z.infer<typeof certificatePlan>;

/**
 * What the signer signs, and only that: a plan the policy service approved for one enrollment of one tenant's
 * profile and CA, with the exact DER that goes into the certificate, valid until `expiresAt`. Authenticated by a MAC
 * under a key that only the policy service and the signer hold (libs/signing-approval,
 * docs/adr/007-enrollment-path-v2.md): a job that anyone else put on the queue, or altered, is refused.
 */
export const signingApproval = z.object({
  version: z.literal(1),
  tenantId: uuid,
  profileId: uuid,
  caId: uuid,
  enrollmentId: uuid,
  plan: certificatePlan,
  der: z.object({
    /** The issued subject Name: the CSR's own bytes, or built from the profile's template. */
    subject: base64,
    subjectPublicKeyInfo: base64,
    /** The subjectAltName extension value as vetted by policy (absent: no SAN extension). */
    subjectAltName: base64.optional(),
  }),
  approvedAt: isoTime,
  expiresAt: isoTime,
});
export type SigningApproval = z.infer<typeof signingApproval>;

/** HMAC-SHA256, standard base64. */
export const approvalMac = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'a base64 HMAC-SHA256');

/**
 * signer -> policy, over NATS on the subject the job named (`replyTo`): what became of a signing job, once, to the
 * owner of the transaction. MAC'd like the approval (the outcome direction has its own derived key), so a forged
 * outcome cannot mark a transaction issued.
 */
export const signingOutcome = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('issued'), tenantId: uuid, profileId: uuid, enrollmentId: uuid, serialHex: z.string().regex(/^[0-9A-F]{1,40}$/), certificateDer: base64, notAfter: isoTime }),
  /** The signer gave up (after its retries, or at once for a refused job): a stable, non-secret reason code. */
  z.object({ kind: z.literal('failed'), tenantId: uuid, profileId: uuid, enrollmentId: uuid, reason: z.string().max(200) }),
]);
export type SigningOutcome = z.infer<typeof signingOutcome>;
export const signingOutcomeMessage = z.object({ outcome: signingOutcome, mac: approvalMac });

/** The subject one policy replica receives signing outcomes on (NATS, no queue group: only that replica listens). */
export const signingOutcomeSubject = (namespace: string, replicaId: string) => `${namespace}.policy.signing-outcome.${replicaId}`;
export const SIGNING_OUTCOME_SUBJECT_PATTERN = /^[A-Za-z0-9_-]{1,64}\.policy\.signing-outcome\.[A-Za-z0-9_-]{1,64}$/;
