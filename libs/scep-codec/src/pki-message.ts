// OWNER: codec helper. Parsing and verifying a request pkiMessage (scep-protocol.md §5.3 steps 1-4).
import type { CertificateInfo } from '@scep/pki';
import type { DigestName } from './constants';
import { DEFAULT_ALLOWED_DIGESTS, digestByOid } from './internal/algorithms';
import { MESSAGE_LIMITS, readMessage, verifyMessage } from './internal/message-reader';

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
  /**
   * Digest algorithm of the SignerInfo (mirrored in the reply). 'sha256' when the SignerInfo names a digest this
   * codec does not know (see digestAlgorithmOid): verifyPkiMessage then throws ALGORITHM, and the FAILURE badAlg
   * reply can still be built and signed.
   */
  readonly digestAlgorithm: DigestName;
  /** The SignerInfo digestAlgorithm OID as received. */
  readonly digestAlgorithmOid?: string;
  /** SignerInfo signatureAlgorithm OID (rsaEncryption or shaNWithRSAEncryption or other). */
  readonly signatureAlgorithmOid: string;
  /** Certificates carried in the SignedData, in order, DER. */
  readonly certificates: readonly Buffer[];
  /** eContent octets (constructed chunks concatenated): the DER of the pkcsPKIEnvelope ContentInfo; absent when no content. */
  readonly content?: Buffer;
  /** Internal handles for verification (opaque to callers). */
  readonly signerInfo: unknown;
}

/** Input limits applied by parsePkiMessage (scep-protocol.md §13). */
export const PKI_MESSAGE_LIMITS = MESSAGE_LIMITS;

/**
 * Step 1-2: BER-tolerant parse; reads the SCEP attributes before anything is verified so that a FAILURE can echo them.
 * Throws ScepCodecError MALFORMED when it is not a SignedData pkiMessage, has trailing bytes, lacks a signer,
 * a transactionID or a senderNonce. Caps: input size, certificates (10), signerInfos, attributes.
 */
export function parsePkiMessage(der: Uint8Array): ParsedPkiMessage {
  const { attributes, signedData, handle } = readMessage(der);
  const { signerInfo } = handle;
  return {
    ...attributes,
    digestAlgorithm: digestByOid(signerInfo.digestAlgorithmOid) ?? 'sha256',
    digestAlgorithmOid: signerInfo.digestAlgorithmOid,
    signatureAlgorithmOid: signerInfo.signatureAlgorithmOid,
    certificates: signedData.certificates,
    ...(signedData.content ? { content: signedData.content } : {}),
    signerInfo: handle,
  };
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
  return verifyMessage(message.signerInfo, message.content, message.certificates, options?.allowedDigests ?? DEFAULT_ALLOWED_DIGESTS);
}
