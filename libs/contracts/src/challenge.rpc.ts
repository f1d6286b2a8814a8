import { z } from 'zod';
import { defineRpc } from './rpc-contract';
import { base64, sha256Hex, uuid } from './primitives';

/** Facts about the request the challenge is checked against (never the challenge itself in logs). */
export const csrFacts = z.object({
  subject: z.string().max(4096),
  /** SHA-256 of the CSR's SubjectPublicKeyInfo. */
  keyFingerprint: sha256Hex,
  subjectAltNames: z.array(z.object({ type: z.string(), value: z.string() })).max(100),
  keyAlgorithm: z.string(),
  keySize: z.number().int(),
});

/** gateway -> challenge-service: is this challenge valid for this tenant/profile/transaction? */
export const ChallengeVerify = defineRpc(
  'challenge.verify',
  z.object({
    tenantId: uuid,
    profileId: uuid,
    transactionId: z.string().min(1).max(256),
    messageType: z.number().int(),
    /** The challengePassword from the CSR; absent when the CSR carries none. Secret: never logged. */
    challenge: z.string().max(8192).optional(),
    csr: csrFacts,
    csrDer: base64,
    clientAddress: z.string().max(64).optional(),
  }),
  z.discriminatedUnion('decision', [
    z.object({ decision: z.literal('accept') }),
    z.object({
      decision: z.literal('reject'),
      /** Stable reason code for logs and audit (the device only sees failInfo badRequest). */
      reason: z.enum(['missing', 'mismatch', 'not-configured']),
    }),
  ]),
);

/** admin-api -> challenge-service: set (replace) the static challenge of a profile. */
export const ChallengeSetStatic = defineRpc(
  'challenge.set-static',
  z.object({
    tenantId: uuid,
    profileId: uuid,
    /** Secret: stored only as a keyed hash. */
    challenge: z.string().min(8).max(255),
  }),
  z.object({ updatedAt: z.string() }),
);
