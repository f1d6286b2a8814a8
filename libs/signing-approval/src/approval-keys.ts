import { type KeyObject, createHash, createSecretKey, hkdfSync } from 'node:crypto';

/** The two keys derived from the shared approval secret: one per direction, so neither message can pass as the other. */
export interface ApprovalKeys {
  /** policy -> signer: authenticates signing approvals. */
  readonly approval: KeyObject;
  /** signer -> policy: authenticates signing outcomes. */
  readonly outcome: KeyObject;
}

/**
 * Derives the approval and outcome keys (HKDF-SHA256, RFC 5869) from the 32-byte secret that only the policy service
 * (POLICY_APPROVAL_KEY) and the signer (SIGNER_APPROVAL_KEY) are given.
 */
export function deriveApprovalKeys(secret: Uint8Array): ApprovalKeys {
  if (secret.length !== 32) throw new RangeError('the approval secret must be 32 bytes');
  // KeyObjects: an HMAC with a Buffer key costs Node 24 two exceptions per call (libs/pki/src/crypto-calls.ts).
  const derive = (info: string) => createSecretKey(Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, 32)));
  return { approval: derive('scep-platform signing approval v1'), outcome: derive('scep-platform signing outcome v1') };
}

/**
 * The key that wraps delegated OCSP responder keys (docs/adr/010-revocation-crl-ocsp.md): the signer wraps them, the
 * policy service unwraps them to sign OCSP responses. Derived (HKDF-SHA256, RFC 5869, its own info string) from the
 * approval secret that only these two services hold, so no further secret has to be distributed; the gateway, which
 * must never sign an OCSP response, can neither derive nor import it (lint: scope:approval).
 */
export function deriveOcspResponderWrapKey(secret: Uint8Array): Buffer {
  if (secret.length !== 32) throw new RangeError('the approval secret must be 32 bytes');
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'scep-platform ocsp responder key wrap v1', 32));
}

/**
 * The id recorded with each responder key wrapped under that key: the derivation's version and a short fingerprint
 * of the derived key (which reveals nothing of it). After the approval secret changes, the signer sees that no
 * responder is wrapped under the current id and issues new ones, and the policy service uses only those.
 */
export function ocspResponderWrapKeyId(wrapKey: Uint8Array): string {
  return `approval-derived-v1-${createHash('sha256').update(wrapKey).digest('hex').slice(0, 12)}`;
}
