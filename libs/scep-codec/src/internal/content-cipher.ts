// Content encryption of the pkcsPKIEnvelope: CBC with PKCS#7 padding (RFC 5652 §6.3).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { withoutStackTraces } from '@scep/pki';
import type { CipherSpec } from './algorithms';

/** Single DES runs as 3DES-EDE with K1 = K2 = K3 (identical output; OpenSSL 3 offers plain DES only through its legacy provider). */
function nodeKey(spec: CipherSpec, key: Buffer): Buffer {
  return spec.name === 'des-cbc' ? Buffer.concat([key, key, key]) : key;
}

/** Decrypts and strips the padding; throws on a bad length or padding (callers map that to one DECRYPT error). */
export function decryptContent(spec: CipherSpec, key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  const decipher = withoutStackTraces(() => createDecipheriv(spec.nodeCipher, nodeKey(spec, key), iv));
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/** Encrypts with PKCS#7 padding. des-cbc only for the test client (buildPkiRequest); replies never use it. */
export function encryptContent(spec: CipherSpec, key: Buffer, iv: Buffer, plaintext: Uint8Array): Buffer {
  const cipher = withoutStackTraces(() => createCipheriv(spec.nodeCipher, nodeKey(spec, key), iv));
  return Buffer.concat([cipher.update(plaintext), cipher.final()]);
}

/** Sets odd parity on DES key octets (FIPS 46-3): OpenSSL ignores parity, some Java providers check it. */
export function withDesParity(key: Buffer): Buffer {
  for (let i = 0; i < key.length; i++) {
    let b = key[i] & 0xfe;
    let ones = 0;
    for (let v = b; v; v >>= 1) ones += v & 1;
    if (ones % 2 === 0) b |= 1;
    key[i] = b;
  }
  return key;
}
