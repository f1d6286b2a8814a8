// OWNER: pki helper. Key generation and fingerprints.
import type { KeyObject } from 'node:crypto';

export type RsaKeySize = 2048 | 3072 | 4096;

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Generates an RSA key pair (e = 65537) without blocking the event loop. */
export async function generateRsaKeyPair(bits: RsaKeySize): Promise<KeyPair> {
  void bits;
  throw new Error('not implemented');
}

/** Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo: the key's identity across the platform. */
export function spkiFingerprint(spkiDer: Uint8Array): string {
  void spkiDer;
  throw new Error('not implemented');
}

/** PKCS#8 DER of a private key, and back (cached KeyObjects are the caller's job). */
export function exportPrivateKeyPkcs8(key: KeyObject): Buffer {
  void key;
  throw new Error('not implemented');
}
export function importPrivateKeyPkcs8(der: Uint8Array): KeyObject {
  void der;
  throw new Error('not implemented');
}
