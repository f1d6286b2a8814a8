// OWNER: pki helper. Key generation and fingerprints.
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { PkiError } from './errors';

export type RsaKeySize = 2048 | 3072 | 4096;

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

const RSA_KEY_SIZES: readonly number[] = [2048, 3072, 4096];
const generateKeyPairAsync = promisify(generateKeyPair);

/** Generates an RSA key pair (e = 65537) without blocking the event loop. */
export async function generateRsaKeyPair(bits: RsaKeySize): Promise<KeyPair> {
  if (!RSA_KEY_SIZES.includes(bits)) throw new PkiError('INVALID_ARGUMENT', 'RSA key size must be 2048, 3072 or 4096');
  // The async form runs in libuv's thread pool: a 4096-bit key takes seconds of CPU.
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return { privateKey, publicKey };
}

/** Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo: the key's identity across the platform. */
export function spkiFingerprint(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

/** DER SubjectPublicKeyInfo of a public key (or of the public half of a private key). */
export function exportPublicKeySpki(key: KeyObject): Buffer {
  if (key.type === 'secret') throw new PkiError('INVALID_ARGUMENT', 'not an asymmetric key');
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ type: 'spki', format: 'der' });
}

/** PKCS#8 DER of a private key, and back (cached KeyObjects are the caller's job). */
export function exportPrivateKeyPkcs8(key: KeyObject): Buffer {
  if (key.type !== 'private') throw new PkiError('INVALID_ARGUMENT', 'not a private key');
  return key.export({ type: 'pkcs8', format: 'der' });
}
export function importPrivateKeyPkcs8(der: Uint8Array): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch {
    // OpenSSL's message is dropped on purpose: nothing about the key bytes leaves this function.
    throw new PkiError('MALFORMED_DER', 'invalid PKCS#8 private key');
  }
}

export type KeyAlgorithm = 'rsa' | 'ec' | 'other';

/** Field sizes of the named curves Node reports, in bits (SEC 2, RFC 5639). */
const CURVE_BITS: Readonly<Record<string, number>> = {
  prime192v1: 192,
  secp224r1: 224,
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  brainpoolP256r1: 256,
  brainpoolP384r1: 384,
  brainpoolP512r1: 512,
};

const OTHER_KEY_BITS: Readonly<Record<string, number>> = { ed25519: 256, x25519: 256, ed448: 456, x448: 448 };

/**
 * Algorithm family and size of a public key, for policy checks. Only rsaEncryption keys count as 'rsa':
 * an id-RSASSA-PSS key (RFC 4055 §1.2) cannot decrypt, so SCEP cannot encrypt a reply to it.
 */
export function describePublicKey(key: KeyObject): { keyAlgorithm: KeyAlgorithm; keySize: number } {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { keyAlgorithm: 'rsa', keySize: details.modulusLength ?? 0 };
    case 'ec':
      return { keyAlgorithm: 'ec', keySize: ecKeyBits(key, details.namedCurve) };
    default:
      return {
        keyAlgorithm: 'other',
        keySize: details.modulusLength ?? OTHER_KEY_BITS[key.asymmetricKeyType ?? ''] ?? 0,
      };
  }
}

function ecKeyBits(key: KeyObject, namedCurve: string | undefined): number {
  const known = namedCurve ? CURVE_BITS[namedCurve] : undefined;
  if (known) return known;
  // Unlisted curve: the JWK coordinate length is the field size rounded up to whole octets.
  try {
    const x = key.export({ format: 'jwk' }).x;
    return x ? Buffer.from(x, 'base64url').length * 8 : 0;
  } catch {
    return 0;
  }
}
