// Algorithm tables: digests, RSA signature algorithms and content ciphers that SCEP clients use
// (scep-protocol.md §1.1, §3; RFC 8894 §3.5.2 / §2.9 for what is legacy).
import type { ContentCipher, DigestName } from '../constants';

/** Digest algorithm OIDs (RFC 3370 §2, RFC 5754 §2). */
export const DIGEST_OIDS: Readonly<Record<DigestName, string>> = {
  md5: '1.2.840.113549.2.5',
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};

const DIGEST_BY_OID = new Map<string, DigestName>(Object.entries(DIGEST_OIDS).map(([name, o]) => [o, name as DigestName]));

export function digestByOid(dotted: string): DigestName | undefined {
  return DIGEST_BY_OID.get(dotted);
}

/** RSA PKCS#1 v1.5 signature algorithm OIDs (RFC 3279 §2.2.1, RFC 4055 §5). */
export const RSA_SIGNATURE_OIDS: Readonly<Record<DigestName, string>> = {
  md5: '1.2.840.113549.1.1.4',
  sha1: '1.2.840.113549.1.1.5',
  sha224: '1.2.840.113549.1.1.14',
  sha256: '1.2.840.113549.1.1.11',
  sha384: '1.2.840.113549.1.1.12',
  sha512: '1.2.840.113549.1.1.13',
};

const RSA_SIGNATURE_BY_OID = new Map<string, DigestName>(
  Object.entries(RSA_SIGNATURE_OIDS).map(([name, o]) => [o, name as DigestName]),
);

/** The digest implied by a shaNWithRSAEncryption OID. */
export function rsaSignatureDigestByOid(dotted: string): DigestName | undefined {
  return RSA_SIGNATURE_BY_OID.get(dotted);
}

/** Digests accepted for request signatures unless the caller says otherwise (MD5 only on explicit opt-in). */
export const DEFAULT_ALLOWED_DIGESTS: readonly DigestName[] = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'];

export interface CipherSpec {
  readonly name: ContentCipher;
  readonly oid: string;
  readonly keyLength: number;
  readonly ivLength: number;
  /** The OpenSSL cipher Node runs. Single DES is run as des-ede3-cbc with K||K||K (EDE with equal keys = DES). */
  readonly nodeCipher: string;
}

/** Content-encryption algorithms (RFC 8018 B.2.1/B.2.2, RFC 3565 §4.1). Parameters are the IV as an OCTET STRING. */
export const CIPHERS: Readonly<Record<ContentCipher, CipherSpec>> = {
  'des-cbc': { name: 'des-cbc', oid: '1.3.14.3.2.7', keyLength: 8, ivLength: 8, nodeCipher: 'des-ede3-cbc' },
  'des-ede3-cbc': { name: 'des-ede3-cbc', oid: '1.2.840.113549.3.7', keyLength: 24, ivLength: 8, nodeCipher: 'des-ede3-cbc' },
  'aes-128-cbc': { name: 'aes-128-cbc', oid: '2.16.840.1.101.3.4.1.2', keyLength: 16, ivLength: 16, nodeCipher: 'aes-128-cbc' },
  'aes-192-cbc': { name: 'aes-192-cbc', oid: '2.16.840.1.101.3.4.1.22', keyLength: 24, ivLength: 16, nodeCipher: 'aes-192-cbc' },
  'aes-256-cbc': { name: 'aes-256-cbc', oid: '2.16.840.1.101.3.4.1.42', keyLength: 32, ivLength: 16, nodeCipher: 'aes-256-cbc' },
};

const CIPHER_BY_OID = new Map<string, CipherSpec>(Object.values(CIPHERS).map((c) => [c.oid, c]));

export function cipherByOid(dotted: string): CipherSpec | undefined {
  return CIPHER_BY_OID.get(dotted);
}

export const ALL_CIPHERS: readonly ContentCipher[] = Object.keys(CIPHERS) as ContentCipher[];
