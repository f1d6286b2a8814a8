// OWNER: codec helper. pkcsPKIEnvelope (EnvelopedData) open/seal (scep-protocol.md §5.3 step 6, §7, §14).
import type { KeyObject } from 'node:crypto';
import type { CertificateInfo } from '@scep/pki';
import type { ContentCipher } from './constants';

export interface RecipientKey {
  readonly certificate: CertificateInfo;
  readonly privateKey: KeyObject;
}

export interface OpenedEnvelope {
  readonly content: Buffer;
  readonly contentCipher: ContentCipher;
  /** The recipient whose key opened it. */
  readonly recipient: RecipientKey;
}

export interface OpenEnvelopeOptions {
  /** Ciphers the caller accepts. Default: all of ContentCipher (single DES for requests only). */
  readonly allowedCiphers?: readonly ContentCipher[];
}

/**
 * Selects the RecipientInfo addressed to one of `recipients` (issuerAndSerialNumber or SKI rid), decrypts the
 * content-encryption key with RSA PKCS#1 v1.5 (RSA_NO_PADDING + own unpadding with implicit rejection, because
 * Node 20 refuses the padded call), then the content. Accepts a ContentInfo(id-envelopedData) or a bare EnvelopedData,
 * primitive or constructed encryptedContent. Unsupported cipher: ScepCodecError ALGORITHM (badAlg). Every other failure
 * (no matching recipient, bad padding, wrong key, bad content padding) throws the same ScepCodecError DECRYPT (badRequest).
 */
export function openEnvelope(envelope: Uint8Array, recipients: readonly RecipientKey[], options?: OpenEnvelopeOptions): OpenedEnvelope {
  void envelope; void recipients; void options;
  throw new Error('not implemented');
}

/**
 * EnvelopedData v0 in a ContentInfo (DER): one KeyTransRecipientInfo v0 with issuerAndSerialNumber copied from the
 * recipient certificate, rsaEncryption (PKCS#1 v1.5), encryptedContent [0] IMPLICIT primitive OCTET STRING.
 * Throws on 'des-cbc' (never used for replies).
 */
export function sealEnvelope(content: Uint8Array, recipient: CertificateInfo, cipher: ContentCipher): Buffer {
  void content; void recipient; void cipher;
  throw new Error('not implemented');
}

/** Reply cipher for a request cipher: mirror AES and 3DES; answer single DES with 3DES (never single DES). */
export function replyCipherFor(requestCipher: ContentCipher): ContentCipher {
  void requestCipher;
  throw new Error('not implemented');
}
