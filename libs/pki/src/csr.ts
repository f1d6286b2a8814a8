// OWNER: pki helper. PKCS#10 reading.
import type { KeyObject } from 'node:crypto';

export type GeneralNameInfo =
  | { type: 'dns'; value: string }
  | { type: 'email'; value: string }
  | { type: 'uri'; value: string }
  | { type: 'ip'; value: string }
  | { type: 'other'; tag: number; der: Buffer };

export interface RequestedExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** extnValue OCTET STRING content (the DER of the extension's own value). */
  readonly value: Buffer;
}

export interface CsrInfo {
  readonly der: Buffer;
  /** Exact DER of the subject Name. */
  readonly subjectDer: Buffer;
  readonly subject: string;
  readonly spkiDer: Buffer;
  readonly publicKey: KeyObject;
  readonly keyAlgorithm: 'rsa' | 'ec' | 'other';
  /** RSA modulus bits, EC curve bits. */
  readonly keySize: number;
  /** challengePassword decoded from PrintableString, UTF8String, IA5String, TeletexString, BMPString or UniversalString. */
  readonly challengePassword?: string;
  readonly subjectAltNames: readonly GeneralNameInfo[];
  /** The subjectAltName extension value DER as requested (for copying into the certificate). */
  readonly subjectAltNameDer?: Buffer;
  readonly requestedExtensions: readonly RequestedExtension[];
  readonly signatureAlgorithmOid: string;
  /** The CSR's self-signature verified against its own public key. */
  readonly signatureValid: boolean;
}

/** Parses (BER tolerated) and verifies a PKCS#10 request. Throws PkiError MALFORMED_CSR when unparseable; a bad signature is reported by signatureValid=false. */
export function parseCsr(der: Uint8Array): CsrInfo {
  void der;
  throw new Error('not implemented');
}
