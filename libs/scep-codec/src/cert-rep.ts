// OWNER: codec helper. Building a CertRep (scep-protocol.md §7).
import type { KeyObject } from 'node:crypto';
import type { CertificateInfo } from '@scep/pki';
import type { ContentCipher, DigestName, FailInfo, PkiStatus } from './constants';

export interface CertRepSigner {
  readonly certificate: CertificateInfo;
  readonly privateKey: KeyObject;
}

export interface CertRepInput {
  readonly status: PkiStatus;
  /** Mandatory with FAILURE. */
  readonly failInfo?: FailInfo;
  /** Generic text only (UTF8String failInfoText, id-scep-failInfoText 1.3.6.1.5.5.7.24.1). */
  readonly failInfoText?: string;
  /** The request's transactionID attribute value TLV, echoed byte for byte. */
  readonly transactionIdEncoded: Buffer;
  /** The request's senderNonce. */
  readonly recipientNonce: Buffer;
  /** Mirrored from the request (md5 is answered with sha256). */
  readonly digestAlgorithm: DigestName;
  readonly signer: CertRepSigner;
  /** Certificates for the outer SignedData after the signer certificate (e.g. the CA). */
  readonly extraCertificates?: readonly Buffer[];
  /** SUCCESS only: issued certificate first, then optional chain; enveloped to `recipient` with `contentCipher`. */
  readonly success?: {
    readonly certificates: readonly Buffer[];
    readonly crls?: readonly Buffer[];
    readonly recipient: CertificateInfo;
    readonly contentCipher: ContentCipher;
  };
  /** Defaults to now. */
  readonly signingTime?: Date;
  /** Defaults to 16 fresh random bytes. */
  readonly senderNonce?: Buffer;
}

/** DER ContentInfo(SignedData) CertRep, signed by the RA with DER-sorted signed attributes. */
export function buildCertRep(input: CertRepInput): Buffer {
  void input;
  throw new Error('not implemented');
}
