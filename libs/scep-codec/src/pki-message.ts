// OWNER: codec helper. Parsing and verifying a request pkiMessage (scep-protocol.md §5.3 steps 1-4).
import type { CertificateInfo } from '@scep/pki';
import type { DigestName } from './constants';

export interface ScepAttributes {
  /** messageType as a number (NaN when not decimal digits). */
  readonly messageType: number;
  /** transactionID text (for lookups) and the exact attribute value TLV (for byte-for-byte echo). */
  readonly transactionId: string;
  readonly transactionIdEncoded: Buffer;
  readonly senderNonce: Buffer;
  readonly recipientNonce?: Buffer;
  readonly signingTime?: Date;
}

export interface ParsedPkiMessage extends ScepAttributes {
  /** Digest algorithm of the SignerInfo (mirrored in the reply). */
  readonly digestAlgorithm: DigestName;
  /** SignerInfo signatureAlgorithm OID (rsaEncryption or shaNWithRSAEncryption or other). */
  readonly signatureAlgorithmOid: string;
  /** Certificates carried in the SignedData, in order, DER. */
  readonly certificates: readonly Buffer[];
  /** eContent octets (constructed chunks concatenated): the DER of the pkcsPKIEnvelope ContentInfo; absent when no content. */
  readonly content?: Buffer;
  /** Internal handles for verification (opaque to callers). */
  readonly signerInfo: unknown;
}

/**
 * Step 1-2: BER-tolerant parse; reads the SCEP attributes before anything is verified so that a FAILURE can echo them.
 * Throws ScepCodecError MALFORMED when it is not a SignedData pkiMessage, has trailing bytes, lacks a signer,
 * a transactionID or a senderNonce. Caps: input size, certificates (10), signerInfos, attributes.
 */
export function parsePkiMessage(der: Uint8Array): ParsedPkiMessage {
  void der;
  throw new Error('not implemented');
}

export interface VerifyOptions {
  /** Digests the caller accepts; others throw ALGORITHM (failInfo badAlg). Default: sha1, sha224, sha256, sha384, sha512. */
  readonly allowedDigests?: readonly DigestName[];
}

/**
 * Steps 3-4: finds the signer certificate (issuerAndSerialNumber or SKI), checks contentType and messageDigest,
 * verifies the RSA signature over the original signedAttrs encoding (rsaEncryption or shaNWithRSA).
 * Returns the signer certificate. Throws ScepCodecError SIGNATURE (badMessageCheck) or ALGORITHM (badAlg).
 */
export function verifyPkiMessage(message: ParsedPkiMessage, options?: VerifyOptions): CertificateInfo {
  void message; void options;
  throw new Error('not implemented');
}
