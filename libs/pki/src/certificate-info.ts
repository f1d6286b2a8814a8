// OWNER: codec helper. Fast read of the fields SCEP and issuance need from an X.509 certificate.
import type { KeyObject } from 'node:crypto';

export interface CertificateInfo {
  /** The certificate's DER, exactly as received. */
  readonly der: Buffer;
  /** serialNumber INTEGER content octets exactly as encoded (may start with 0x00). */
  readonly serialNumber: Buffer;
  /** Upper-case hex of the serial as a positive integer, no leading zero octets, no separators. */
  readonly serialHex: string;
  /** Exact DER (TLV) of the issuer Name, copied from the certificate. */
  readonly issuerDer: Buffer;
  /** Exact DER (TLV) of the subject Name. */
  readonly subjectDer: Buffer;
  /** RFC 4514 string forms, for display and logs only (never for matching). */
  readonly issuer: string;
  readonly subject: string;
  /** SubjectKeyIdentifier extension value (the key identifier octets), when present. */
  readonly subjectKeyIdentifier?: Buffer;
  /** Exact DER of the SubjectPublicKeyInfo. */
  readonly spkiDer: Buffer;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** basicConstraints cA=TRUE. */
  readonly isCA: boolean;
  /** subject Name DER equals issuer Name DER. */
  readonly selfIssued: boolean;
}

/** Parses a DER certificate leniently (critical AKI on Windows self-signed certs is fine). Throws PkiError MALFORMED_CERTIFICATE. */
export function readCertificate(der: Uint8Array): CertificateInfo {
  void der;
  throw new Error('not implemented');
}
