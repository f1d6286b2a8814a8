import { hkdfSync } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { unwrapSecret, wrapSecret } from '@scep/pki';
import { challengeConfig } from '../challenge-config';

/**
 * Additional authenticated data of each wrapped secret: a blob copied to another profile or tenant, or a webhook
 * secret presented as an Intune secret, fails to unwrap.
 */
export const SecretAad = {
  webhookSecret: (tenantId: string, profileId: string) => `scep/challenge/webhook-secret/v1/${tenantId}/${profileId}`,
  intuneClientSecret: (tenantId: string) => `scep/challenge/intune-client-secret/v1/${tenantId}`,
};

/** HKDF info of the wrapping key: distinct from every other use of the pepper (the challenge HMACs). */
const WRAP_KEY_INFO = 'scep/challenge/secret-wrapping-key/v1';

/**
 * Secrets the service must send in clear later (webhook HMAC keys, Intune client secrets) are stored wrapped with
 * AES-256-GCM under a key derived from CHALLENGE_PEPPER, so no second secret has to be configured. Unwrap errors
 * never say why (libs/pki).
 */
@Injectable()
export class ChallengeSecretBox {
  private readonly key: Buffer;

  constructor() {
    this.key = ChallengeSecretBox.deriveKey(challengeConfig().CHALLENGE_PEPPER);
  }

  static deriveKey(pepper: Buffer): Buffer {
    // The pepper is 32 uniformly random bytes, so an empty salt is fine (RFC 5869 §3.1).
    return Buffer.from(hkdfSync('sha256', pepper, Buffer.alloc(0), WRAP_KEY_INFO, 32));
  }

  wrap(secret: string, aad: string): Buffer {
    return wrapSecret(this.key, Buffer.from(secret, 'utf8'), aad);
  }

  unwrap(blob: Buffer, aad: string): string {
    const plaintext = unwrapSecret(this.key, blob, aad);
    try {
      return plaintext.toString('utf8');
    } finally {
      plaintext.fill(0);
    }
  }
}
