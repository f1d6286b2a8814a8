// OWNER: pki helper. Private keys at rest: AES-256-GCM under a key-encryption key (KEK).
// Blob layout: version(1)=0x01 | iv(12) | tag(16) | ciphertext. The AAD binds the blob to its row/purpose.

/** Wraps plaintext (e.g. PKCS#8 DER) under a 32-byte KEK. */
export function wrapSecret(kek: Uint8Array, plaintext: Uint8Array, aad: string): Buffer {
  void kek; void plaintext; void aad;
  throw new Error('not implemented');
}

/** Unwraps; throws PkiError KEY_UNWRAP_FAILED on a wrong KEK, AAD or tampered blob (no detail). */
export function unwrapSecret(kek: Uint8Array, blob: Uint8Array, aad: string): Buffer {
  void kek; void blob; void aad;
  throw new Error('not implemented');
}
