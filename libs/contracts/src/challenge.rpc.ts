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

/** Why a challenge was refused. Audit only: devices always get FAILURE badRequest. */
export const challengeRejection = z.enum([
  /** No challengePassword in the CSR. */
  'missing',
  /** Does not match (static) or unknown (dynamic). */
  'mismatch',
  /** The profile has no challenge configured. */
  'not-configured',
  /** Dynamic: past its TTL. */
  'expired',
  /** Dynamic: already consumed by another transaction or key. */
  'consumed',
  /** Dynamic: bound to another subject / other SANs. */
  'subject-mismatch',
  'san-mismatch',
  /** Too many failed attempts: locked out without checking. */
  'locked',
  /** Webhook / Intune said no, or could not be asked (timeout, error): never a hang, never an accept. */
  'webhook-denied',
  'webhook-error',
  'intune-denied',
  'intune-error',
]);
export type ChallengeRejection = z.infer<typeof challengeRejection>;

export const challengeMode = z.enum(['static', 'dynamic', 'webhook', 'intune']);
export type ChallengeMode = z.infer<typeof challengeMode>;

/**
 * policy-service -> challenge-service: is this challenge valid for this tenant/profile/transaction? Asked by the
 * owner of the transaction, with facts it read from the CSR itself, once per new transaction (resends and polls are
 * answered from the transaction's state).
 */
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
    /** The CSR itself, only for the modes that forward it (webhook, Intune). */
    csrDer: base64.optional(),
    clientAddress: z.string().max(64).optional(),
  }),
  z.discriminatedUnion('decision', [
    z.object({ decision: z.literal('accept') }),
    z.object({
      decision: z.literal('reject'),
      /** Stable reason code for logs and audit (the device only sees failInfo badRequest). */
      reason: challengeRejection,
      /** With reason "locked": when the lockout ends (the gateway answers HTTP 429 with Retry-After until then). */
      retryAfterSeconds: z.number().int().min(1).max(86_400).optional(),
    }),
  ]),
);

/** admin-api -> challenge-service: set (rotate) the static challenge of a profile. */
export const ChallengeSetStatic = defineRpc(
  'challenge.set-static',
  z.object({
    tenantId: uuid,
    profileId: uuid,
    /** Secret: stored only as a keyed hash. */
    challenge: z.string().min(8).max(255),
    /** How long the previous static challenge keeps working (rotation overlap); 0 = stops now. */
    overlapSeconds: z.number().int().min(0).max(30 * 86400).default(0),
  }),
  z.object({ updatedAt: z.string() }),
);

export const webhookSettings = z.object({
  /** https (or http on loopback for tests) endpoint that answers {"allow": boolean, "reason"?: string}. */
  url: z.string().url().max(2048),
  /** Secret: HMAC-SHA256 key for the X-Scep-Signature header; stored wrapped. */
  secret: z.string().min(16).max(512),
  /** Kept under the gateway's RPC timeout (RPC_TIMEOUT_MS, 5 s by default): a slow webhook is a FAILURE, not an RPC timeout. */
  timeoutMs: z.number().int().min(100).max(4000).default(3000),
});

/** admin-api -> challenge-service: the challenge mode of a profile and its settings. */
export const ChallengeConfigure = defineRpc(
  'challenge.configure',
  z.object({
    tenantId: uuid,
    profileId: uuid,
    mode: challengeMode,
    /** Dynamic: default TTL of minted challenges. */
    dynamicDefaultTtlSeconds: z.number().int().min(60).max(30 * 86400).default(3600),
    /** Required when mode = webhook. */
    webhook: webhookSettings.optional(),
  }),
  z.object({ mode: challengeMode, updatedAt: z.string() }),
);

export const expectedSan = z.object({ type: z.enum(['dns', 'email', 'uri', 'ip']), value: z.string().min(1).max(1024) });

/** admin-api (MDM integrations) -> challenge-service: mint a one-time challenge for a dynamic profile. */
export const ChallengeMint = defineRpc(
  'challenge.mint',
  z.object({
    tenantId: uuid,
    profileId: uuid,
    /** Default: the profile's dynamic TTL. */
    ttlSeconds: z.number().int().min(60).max(30 * 86400).optional(),
    /** The CSR's subject must equal this (RFC 4514 string as formatted by the platform). */
    expectedSubject: z.string().min(1).max(1024).optional(),
    /** Each of these must be among the CSR's subjectAltNames. */
    expectedSans: z.array(expectedSan).max(50).optional(),
    actor: z.string().min(1).max(200),
  }),
  z.discriminatedUnion('result', [
    /** The challenge is returned once and stored only as a keyed hash. */
    z.object({ result: z.literal('minted'), id: uuid, challenge: z.string(), expiresAt: z.string() }),
    z.object({ result: z.literal('not-dynamic') }),
  ]),
);

export const dynamicChallengeView = z.object({
  id: uuid,
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string(),
  expectedSubject: z.string().optional(),
  expectedSans: z.array(expectedSan).optional(),
  consumedAt: z.string().optional(),
  consumedTransactionId: z.string().optional(),
});

/** admin-api -> challenge-service: metadata of a profile's dynamic challenges (never the values). */
export const ChallengeList = defineRpc(
  'challenge.list',
  z.object({ tenantId: uuid, profileId: uuid, limit: z.number().int().min(1).max(500).default(100) }),
  z.object({ items: z.array(dynamicChallengeView) }),
);

/** admin-api -> challenge-service: a tenant's Intune (Entra ID app) credentials for validation and notifications. */
export const ChallengeSetIntuneConnection = defineRpc(
  'challenge.set-intune-connection',
  z.object({
    tenantId: uuid,
    azureTenantId: z.string().min(1).max(200),
    clientId: z.string().min(1).max(200),
    /** Secret: stored wrapped. */
    clientSecret: z.string().min(1).max(1024),
    /** Overridable for sovereign clouds and tests. */
    loginUrl: z.string().url().default('https://login.microsoftonline.com'),
    graphUrl: z.string().url().default('https://graph.microsoft.com'),
  }),
  z.object({ updatedAt: z.string() }),
);

/**
 * policy-service -> challenge-service: what became of a transaction whose challenge was validated. Intune profiles
 * queue a success/failure notification in a durable outbox (scep-protocol.md §12.2); other modes ignore it.
 */
export const ChallengeNotifyOutcome = defineRpc(
  'challenge.notify-outcome',
  z.object({
    tenantId: uuid,
    profileId: uuid,
    transactionId: z.string().min(1).max(256),
    csrDer: base64,
    outcome: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('issued'), certificateDer: base64 }),
      /** hResult: 32-bit HRESULT shown to Intune admins; description <= 255 chars. */
      z.object({ kind: z.literal('failed'), hResult: z.number().int(), description: z.string().max(255) }),
    ]),
  }),
  z.object({ queued: z.boolean() }),
);
