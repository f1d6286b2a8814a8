import { z } from 'zod';
import { uuid } from './primitives';

/**
 * The RFC 5280 §5.3.1 CRLReason codes an operator may revoke with. Not offered: removeFromCRL (8), which only delta
 * CRLs use (a released hold simply leaves the next full CRL), and cACompromise (2) / aACompromise (10), which are about
 * authorities, not the end-entity certificates this platform issues.
 */
export const REVOCATION_REASON_CODES = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
} as const;
export type RevocationReasonName = keyof typeof REVOCATION_REASON_CODES;
export const revocationReasonName = z.enum(Object.keys(REVOCATION_REASON_CODES) as [RevocationReasonName, ...RevocationReasonName[]]);
/** certificateHold (6): the one revocation that can be undone (RFC 5280 §5.3.1). */
export const CERTIFICATE_HOLD = REVOCATION_REASON_CODES.certificateHold;
export const revocationReasonCode = z.union(Object.values(REVOCATION_REASON_CODES).map((code) => z.literal(code)) as [z.ZodLiteral<number>, ...Array<z.ZodLiteral<number>>]);

/** The name of a stored reason code (any RFC 5280 code, also those the API does not offer). */
export function revocationReasonNameOf(code: number): string {
  const names: Record<number, string> = { 0: 'unspecified', 1: 'keyCompromise', 2: 'cACompromise', 3: 'affiliationChanged', 4: 'superseded', 5: 'cessationOfOperation', 6: 'certificateHold', 8: 'removeFromCRL', 9: 'privilegeWithdrawn', 10: 'aACompromise' };
  return names[code] ?? `reason-${code}`;
}

/** A serial in the platform's one format: upper-case hex of the positive integer, whole octets, no leading zero octet. */
export const serialHex = z.string().regex(/^(?:[1-9A-F][0-9A-F]|0[1-9A-F])(?:[0-9A-F]{2}){0,20}$|^00$/, 'upper-case hex serial');

/** Most certificates one bulk revocation may touch (a bigger set is split by the operator: profile, subject). */
export const BULK_REVOCATION_LIMIT = 10_000;

/** Which certificates of a tenant a revocation is about. */
export const revocationSelector = z.discriminatedUnion('kind', [
  /** One certificate by serial; the CA only when the tenant has that serial under more than one CA. */
  z.object({ kind: z.literal('serial'), serialHex, caId: uuid.optional() }),
  /** The certificates issued for these enrollments (an enrollment has at most one). */
  z.object({ kind: z.literal('enrollments'), enrollmentIds: z.array(uuid).min(1).max(50) }),
  /**
   * Every unexpired, not yet revoked certificate of a profile and/or with a subject (exact, or containing a text).
   * `expectedCount` is what the dry run counted: a different count now refuses the whole revocation.
   */
  z
    .object({
      kind: z.literal('bulk'),
      profileId: uuid.optional(),
      subjectEquals: z.string().min(1).max(1024).optional(),
      subjectContains: z.string().min(1).max(256).optional(),
      expectedCount: z.number().int().min(1).max(BULK_REVOCATION_LIMIT),
    })
    .refine((s) => s.profileId !== undefined || s.subjectEquals !== undefined || s.subjectContains !== undefined, 'a bulk revocation needs a profile or a subject'),
]);
export type RevocationSelector = z.infer<typeof revocationSelector>;

/** A certificate's revocation state after a revocation request. */
export const revokedCertificate = z.object({
  serialHex: z.string(),
  caId: uuid,
  revokedAt: z.string(),
  reasonCode: z.number().int().min(0).max(10),
  /** False when it already was in this state (a retried request). */
  changed: z.boolean(),
});

export const crlIssued = z.object({ caId: uuid, crlNumber: z.string() });

export const revocationResult = z.discriminatedUnion('result', [
  z.object({ result: z.literal('revoked'), certificates: z.array(revokedCertificate).max(BULK_REVOCATION_LIMIT), crls: z.array(crlIssued) }),
  /** Nothing of the tenant matched (another tenant's serial is "not found" too). */
  z.object({ result: z.literal('not-found') }),
  /** The serial exists under several of the tenant's CAs: the request must name one. */
  z.object({ result: z.literal('ambiguous'), caIds: z.array(uuid) }),
  /** Revoked for good before (not on hold), with another reason: a revocation cannot be changed or undone. */
  z.object({ result: z.literal('already-revoked'), certificates: z.array(revokedCertificate) }),
  /** Bulk: the selection no longer has the count the dry run showed; nothing was revoked. */
  z.object({ result: z.literal('count-changed'), matched: z.number().int().min(0) }),
]);
export type RevocationResult = z.infer<typeof revocationResult>;

export const holdReleaseResult = z.discriminatedUnion('result', [
  z.object({ result: z.literal('released'), serialHex: z.string(), caId: uuid, crls: z.array(crlIssued) }),
  z.object({ result: z.literal('not-found') }),
  z.object({ result: z.literal('ambiguous'), caIds: z.array(uuid) }),
  /** Not revoked, or revoked for good: only certificateHold can be released. */
  z.object({ result: z.literal('not-on-hold'), reasonCode: z.number().int().nullable() }),
]);
export type HoldReleaseResult = z.infer<typeof holdReleaseResult>;

/** Who asked, as recorded with the revocation: `api-key:<key id>` for the admin API. */
export const revocationActor = z.string().min(1).max(200);
/** The operator's free-text reason, recorded with the revocation. */
export const revocationComment = z.string().max(500);
