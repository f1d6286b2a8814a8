// OWNER: pki helper. Building and signing X.509 certificates with node:crypto (pkijs only for structures).
import type { KeyObject } from 'node:crypto';
import type { CertificateInfo } from './certificate-info';

export type SignatureDigest = 'sha256' | 'sha384' | 'sha512';

export type KeyUsageBit =
  | 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment'
  | 'keyAgreement' | 'keyCertSign' | 'cRLSign';

export interface CaCertificateRequest {
  readonly subjectDer: Buffer;
  readonly keyPair: { privateKey: KeyObject; publicKey: KeyObject };
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly digest: SignatureDigest;
  /** Serial octets (positive INTEGER content); use randomSerial(). */
  readonly serial: Buffer;
}

/**
 * Self-signed root: basicConstraints cA=TRUE (critical), keyUsage keyCertSign+cRLSign+digitalSignature (critical),
 * SKI (SHA-1 of the public key bits), AKI = SKI. PKCS#1 v1.5 signature.
 */
export function buildSelfSignedCaCertificate(req: CaCertificateRequest): Buffer {
  void req;
  throw new Error('not implemented');
}

export interface IssueCertificateRequest {
  readonly issuer: CertificateInfo;
  readonly issuerKey: KeyObject;
  /** Exact subject Name DER to place in the certificate (copied from the CSR or built by policy). */
  readonly subjectDer: Buffer;
  /** Exact SubjectPublicKeyInfo DER of the subject key. */
  readonly subjectSpkiDer: Buffer;
  readonly serial: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly digest: SignatureDigest;
  /** keyUsage bits (critical). Empty = no keyUsage extension. */
  readonly keyUsage: readonly KeyUsageBit[];
  /** extendedKeyUsage OIDs (non-critical). Empty = none. */
  readonly extendedKeyUsage: readonly string[];
  /** subjectAltName extension value DER, already vetted by policy. */
  readonly subjectAltNameDer?: Buffer;
  /** CRL distribution point URLs (fullName URIs). */
  readonly crlDistributionPoints?: readonly string[];
  /** basicConstraints: always present (critical); cA=TRUE only when set, with optional pathLen. */
  readonly ca?: { pathLength?: number };
}

/** Builds and signs a certificate: SKI from the subject key, AKI from the issuer's SKI. Returns DER. */
export function issueCertificate(req: IssueCertificateRequest): Buffer {
  void req;
  throw new Error('not implemented');
}

/** 16 random octets as a positive INTEGER content (top bit cleared, first octet non-zero): 127+ bits of entropy. */
export function randomSerial(): Buffer {
  throw new Error('not implemented');
}
