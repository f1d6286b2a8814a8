// OWNER: pki helper. Private keys at rest: AES-256-GCM under a key-encryption key (KEK).
// Blob layout: version(1)=0x01 | iv(12) | tag(16) | ciphertext. The AAD binds the blob to its row/purpose.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PkiError } from './errors';

const VERSION = 0x01;
const KEK_BYTES = 32;
/** 96-bit random IVs (NIST SP 800-38D §8.2.2): safe for far more wraps than a KEK will ever see. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

function checkKek(kek: Uint8Array): void {
  // A wrong-sized KEK is a configuration error, not a tampered blob: say so (the length is not secret).
  if (!(kek instanceof Uint8Array) || kek.length !== KEK_BYTES) {
    throw new PkiError('INVALID_ARGUMENT', 'key-encryption key must be 32 bytes');
  }
}

/** Wraps plaintext (e.g. PKCS#8 DER) under a 32-byte KEK. */
export function wrapSecret(kek: Uint8Array, plaintext: Uint8Array, aad: string): Buffer {
  checkKek(kek);
  if (typeof aad !== 'string') throw new PkiError('INVALID_ARGUMENT', 'AAD must be a string');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]);
}

/** Unwraps; throws PkiError KEY_UNWRAP_FAILED on a wrong KEK, AAD or tampered blob (no detail). */
export function unwrapSecret(kek: Uint8Array, blob: Uint8Array, aad: string): Buffer {
  checkKek(kek);
  try {
    if (typeof aad !== 'string' || !(blob instanceof Uint8Array)) throw new Error();
    if (blob.length < HEADER_BYTES || blob[0] !== VERSION) throw new Error();
    const iv = blob.subarray(1, 1 + IV_BYTES);
    const tag = blob.subarray(1 + IV_BYTES, HEADER_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    const plaintext = decipher.update(blob.subarray(HEADER_BYTES));
    try {
      decipher.final();
    } catch (err) {
      plaintext.fill(0); // unauthenticated output: do not leave it lying around in the heap
      throw err;
    }
    return plaintext;
  } catch {
    // One message for every cause: which check failed is of use only to an attacker.
    throw new PkiError('KEY_UNWRAP_FAILED', 'key unwrap failed');
  }
}
