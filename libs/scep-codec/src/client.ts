// OWNER: codec helper. The client side of the protocol, for tests, benchmarks and fuzzing (an independent
// encoder is still required for test vectors: openssl and scepclient; this one is for driving the server).
import type { KeyObject } from 'node:crypto';
import type { CertificateInfo } from '@scep/pki';
import type { ContentCipher, DigestName, FailInfo, MessageType, PkiStatus } from './constants';

export interface PkiRequestInput {
  readonly messageType: MessageType;
  readonly transactionId: string;
  readonly senderNonce?: Buffer;
  /** PKCS#10 DER, IssuerAndSubject DER or IssuerAndSerialNumber DER. */
  readonly messageData: Buffer;
  readonly signerCertificate: CertificateInfo;
  readonly signerKey: KeyObject;
  /** Recipients of the envelope (RA first; several, like micromdm's client). */
  readonly recipients: readonly CertificateInfo[];
  readonly contentCipher: ContentCipher;
  readonly digestAlgorithm: DigestName;
  /** rsaEncryption (default) or sha*WithRSAEncryption in SignerInfo.signatureAlgorithm. */
  readonly signatureAlgorithm?: 'rsaEncryption' | 'shaWithRsa';
}

export function buildPkiRequest(input: PkiRequestInput): Buffer {
  void input;
  throw new Error('not implemented');
}

export interface ReadCertRep {
  readonly status: PkiStatus;
  readonly failInfo?: FailInfo;
  readonly transactionIdEncoded: Buffer;
  readonly senderNonce: Buffer;
  readonly recipientNonce: Buffer;
  readonly digestAlgorithm: DigestName;
  /** Issued certificates (decrypted from the envelope) when SUCCESS. */
  readonly certificates: Buffer[];
  readonly contentCipher?: ContentCipher;
}

/** Verifies a CertRep against the responder certificate and opens its envelope with the client key. Throws ScepCodecError. */
export function readCertRep(der: Uint8Array, responder: CertificateInfo, clientKey: KeyObject): ReadCertRep {
  void der; void responder; void clientKey;
  throw new Error('not implemented');
}
