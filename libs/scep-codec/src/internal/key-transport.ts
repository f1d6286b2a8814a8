// RSA key transport of the content-encryption key (RFC 8894 §3.5.2 via RFC 3370 §4.2: PKCS#1 v1.5;
// RSAES-OAEP per RFC 3560 where a client uses it).
//
// Raw RSA (RSA_NO_PADDING, native speed), then the EME-PKCS1-v1_5 check
// (RFC 8017 §7.2.2 step 3) done without data-dependent branches, knowing the CEK length the cipher needs;
// on any mismatch the caller gets a pseudo-random CEK of that length, derived from the ciphertext and a
// per-process secret (implicit rejection, as OpenSSL ≥ 3.2 does), together with a `valid` verdict. The caller
// decrypts the content with that key either way and only then, after the same work, fails when either step
// failed: one outcome for every cause, no oracle — and deterministic, because garbage that happens to end in
// valid CBC padding (about 1 in 256) is still refused. Why this stays in JS although Node 24's OpenSSL does implicit
// rejection natively: docs/adr/006-node-24-runtime.md.
import { constants, createHmac, createSecretKey, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { withoutStackTraces } from '@scep/pki';

const IMPLICIT_REJECTION_SECRET = createSecretKey(randomBytes(32));

/** Modulus length in octets of an RSA key (0 when not RSA). */
export function rsaModulusOctets(key: KeyObject): number {
  const bits = key.asymmetricKeyType === 'rsa' ? key.asymmetricKeyDetails?.modulusLength : undefined;
  return bits ? Math.ceil(bits / 8) : 0;
}

function syntheticKey(encryptedKey: Uint8Array, length: number): Buffer {
  return createHmac('sha256', IMPLICIT_REJECTION_SECRET)
    .update(Buffer.from([length]))
    .update(encryptedKey)
    .digest()
    .subarray(0, length);
}

/** 1 when x is 0, else 0, for 0 <= x < 2^31, without a branch. */
function isZero(x: number): number {
  return ((x - 1) >>> 31) & 1 & ~(x >>> 31);
}

/** 1 when x != 0, for |x| < 2^31. */
function nonZero(x: number): number {
  return ((x | -x) >>> 31) & 1;
}

/** A content-encryption key and whether the PKCS#1 v1.5 block that carried it was well formed. */
export interface TransportedKey {
  readonly key: Buffer;
  readonly valid: boolean;
}

/**
 * PKCS#1 v1.5 decryption of a content-encryption key with implicit rejection. Always returns `keyLength` octets
 * (the real key, or a synthetic one with valid=false); never throws for a bad ciphertext (only for a key that is
 * not RSA, which is a configuration error).
 */
export function decryptKeyPkcs1(privateKey: KeyObject, encryptedKey: Uint8Array, keyLength: number): TransportedKey {
  const k = rsaModulusOctets(privateKey);
  if (k === 0) throw new TypeError('recipient key is not an RSA key');
  const synthetic = syntheticKey(encryptedKey, keyLength);
  const rejected = { key: synthetic, valid: false };
  if (encryptedKey.length > k || keyLength > k - 11) return rejected;
  // RFC 8017 §7.2.2 step 1: the ciphertext is exactly k octets; pad a short one on the left (some encoders drop leading zeros).
  const input = Buffer.alloc(k);
  input.set(encryptedKey, k - encryptedKey.length);
  let em: Buffer;
  try {
    em = withoutStackTraces(() => privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, input));
  } catch {
    return rejected; // c >= n: public knowledge, no oracle
  }
  if (em.length !== k) return rejected;

  // EM = 0x00 || 0x02 || PS (>= 8 non-zero octets) || 0x00 || M, with |M| = keyLength.
  let bad = em[0] | (em[1] ^ 0x02);
  let found = 0;
  let zeroIndex = 0;
  for (let i = 2; i < k; i++) {
    const z = isZero(em[i]);
    const first = z & (found ^ 1);
    zeroIndex |= -first & i;
    found |= z;
  }
  bad |= found ^ 1;
  bad |= ((zeroIndex - 10) >>> 31) & 1; // zeroIndex < 10: PS shorter than 8 octets
  bad |= nonZero(k - zeroIndex - 1 - keyLength);
  const mask = -nonZero(bad) & 0xff;
  const out = Buffer.alloc(keyLength);
  const offset = k - keyLength;
  for (let i = 0; i < keyLength; i++) out[i] = (em[offset + i] & ~mask) | (synthetic[i] & mask);
  return { key: out, valid: mask === 0 };
}

/** RSAES-OAEP decryption (RFC 3560); throws on any failure (OpenSSL's OAEP check is constant-time). */
export function decryptKeyOaep(privateKey: KeyObject, encryptedKey: Uint8Array, oaepHash: string): Buffer {
  return withoutStackTraces(() => privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, encryptedKey));
}

/** PKCS#1 v1.5 encryption of a content-encryption key to a recipient's RSA public key. */
export function encryptKeyPkcs1(publicKey: KeyObject, cek: Uint8Array): Buffer {
  return withoutStackTraces(() => publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, cek));
}
