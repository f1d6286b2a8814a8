import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

/**
 * Keyed hash of a challenge bound to its tenant and profile (scep-protocol.md §13): the same secret on two
 * profiles hashes differently, and comparison is of fixed-length digests in constant time. `domain` separates
 * uses of the pepper (dynamic challenges hash under "dynamic"); static hashes keep the original, domain-less form
 * so that stored hashes stay valid.
 */
export class ChallengeHasher {
  private readonly prefix: string;
  /** A KeyObject: HMAC with a Buffer key costs Node 24 two exceptions per call (libs/pki/src/crypto-calls.ts). */
  private readonly pepper: KeyObject;

  constructor(pepper: Buffer, domain?: string) {
    this.pepper = createSecretKey(pepper);
    this.prefix = domain ? `${domain}\n` : '';
  }

  hash(tenantId: string, profileId: string, challenge: string): Buffer {
    return createHmac('sha256', this.pepper).update(`${this.prefix}${tenantId}\n${profileId}\n`).update(challenge, 'utf8').digest();
  }

  /** True when `challenge` matches any of `hashes`; every hash is compared (no early exit). */
  matches(tenantId: string, profileId: string, challenge: string, hashes: readonly Buffer[]): boolean {
    const candidate = this.hash(tenantId, profileId, challenge);
    let matched = false;
    for (const stored of hashes) {
      if (stored.length === candidate.length && timingSafeEqual(stored, candidate)) matched = true;
    }
    return matched;
  }
}
