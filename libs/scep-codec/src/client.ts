// OWNER: codec helper. The client side of the protocol, for tests, benchmarks and fuzzing (an independent
// encoder is still required for test vectors: openssl and scepclient; this one is for driving the server).
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { berText, derWriter } from '@scep/pki';
import type { CertificateInfo } from '@scep/pki';
import { readCertsOnly } from './certs-only';
import { PkiStatus } from './constants';
import type { ContentCipher, DigestName, FailInfo, MessageType } from './constants';
import { cipherByOid, DIGEST_OIDS } from './internal/algorithms';
import { attribute, singleValue } from './internal/attributes';
import { decryptForRecipient, readEnvelope } from './internal/envelope-reader';
import { buildEnvelope } from './internal/envelope-writer';
import { codecError, guard } from './internal/fail';
import { messageDigestName, readDecimal, readMessage, verifyMessage } from './internal/message-reader';
import {
  OID_SCEP_FAIL_INFO,
  OID_SCEP_FAIL_INFO_TEXT,
  OID_SCEP_MESSAGE_TYPE,
  OID_SCEP_PKI_STATUS,
  OID_SCEP_SENDER_NONCE,
  OID_SCEP_TRANSACTION_ID,
} from './internal/oids';
import { buildSignedMessage } from './internal/signed-message';

const { octetString, printableString } = derWriter;

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
  /** Defaults to now; null leaves signingTime out. */
  readonly signingTime?: Date | null;
  /** Extra certificates after the signer's (e.g. the chain certmonger sends with a renewal). */
  readonly extraCertificates?: readonly Buffer[];
}

/**
 * A request pkiMessage as RFC 8894 §3 clients build it: the messageData enveloped to every recipient
 * (single DES allowed here, to mimic micromdm's scepclient), signed with DER-sorted attributes
 * (transactionID, messageType, senderNonce + CMS contentType, messageDigest, signingTime), signer certificate included.
 */
export function buildPkiRequest(input: PkiRequestInput): Buffer {
  return guard('MALFORMED', 'cannot build the pkiMessage', () =>
    buildSignedMessage({
      digest: input.digestAlgorithm,
      content: buildEnvelope(input.messageData, input.recipients, input.contentCipher),
      certificates: [input.signerCertificate.der, ...(input.extraCertificates ?? [])],
      signer: input.signerCertificate,
      signerKey: input.signerKey,
      attributes: [
        attribute(OID_SCEP_TRANSACTION_ID, printableString(input.transactionId)),
        attribute(OID_SCEP_MESSAGE_TYPE, printableString(String(input.messageType))),
        attribute(OID_SCEP_SENDER_NONCE, octetString(input.senderNonce ?? randomBytes(16))),
      ],
      signingTime: input.signingTime === undefined ? new Date() : input.signingTime,
      signatureAlgorithm: input.signatureAlgorithm ?? 'rsaEncryption',
    }),
  );
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
  /** CRLs (decrypted from the envelope) when SUCCESS — the answer to GetCRL. */
  readonly crls: Buffer[];
  readonly contentCipher?: ContentCipher;
  /** The text of the transactionID. */
  readonly transactionId?: string;
  /** failInfoText, when the responder sent one. */
  readonly failInfoText?: string;
  /** Certificates of the outer SignedData (responder first, by our convention). */
  readonly outerCertificates?: Buffer[];
}

const ALL_DIGESTS = Object.keys(DIGEST_OIDS) as DigestName[];

/** Verifies a CertRep against the responder certificate and opens its envelope with the client key. Throws ScepCodecError. */
export function readCertRep(der: Uint8Array, responder: CertificateInfo, clientKey: KeyObject): ReadCertRep {
  const { attributes, signedData, handle } = readMessage(der);
  // A client reads whatever digest the server chose; the responder certificate is imposed (Apple's SecSCEPVerifyReply).
  verifyMessage(handle, signedData.content, signedData.certificates, ALL_DIGESTS, responder);
  return guard('MALFORMED', 'not a CertRep', () => {
    const map = handle.attributes;
    if (attributes.messageType !== 3) throw codecError('MALFORMED', 'not a CertRep');
    const status = readDecimal(singleValue(map, OID_SCEP_PKI_STATUS));
    if (status !== PkiStatus.Success && status !== PkiStatus.Failure && status !== PkiStatus.Pending) {
      throw codecError('MALFORMED', 'bad pkiStatus');
    }
    if (!attributes.recipientNonce) throw codecError('MALFORMED', 'CertRep without recipientNonce');
    const failInfoValue = readDecimal(singleValue(map, OID_SCEP_FAIL_INFO));
    if (status === PkiStatus.Failure && Number.isNaN(failInfoValue)) throw codecError('MALFORMED', 'FAILURE without failInfo');
    const failInfoTextNode = singleValue(map, OID_SCEP_FAIL_INFO_TEXT);

    let certificates: Buffer[] = [];
    let crls: Buffer[] = [];
    let contentCipher: ContentCipher | undefined;
    if (status === PkiStatus.Success) {
      if (!signedData.content) throw codecError('MALFORMED', 'SUCCESS without content');
      const opened = openWithKey(signedData.content, clientKey);
      certificates = opened.certificates;
      crls = opened.crls;
      contentCipher = opened.contentCipher;
    }
    return {
      status,
      ...(status === PkiStatus.Failure ? { failInfo: failInfoValue as FailInfo } : {}),
      transactionIdEncoded: attributes.transactionIdEncoded,
      transactionId: attributes.transactionId,
      senderNonce: attributes.senderNonce,
      recipientNonce: attributes.recipientNonce,
      digestAlgorithm: messageDigestName(handle) ?? 'sha256',
      certificates,
      crls,
      ...(contentCipher ? { contentCipher } : {}),
      ...(failInfoTextNode ? { failInfoText: berText(failInfoTextNode) } : {}),
      outerCertificates: [...signedData.certificates],
    };
  });
}

/**
 * A client holds its key but not necessarily the certificate the server addressed: try each KeyTransRecipientInfo
 * until one yields a certs-only bag (implicit rejection makes a wrong recipient decrypt to noise, not throw).
 */
function openWithKey(envelope: Buffer, key: KeyObject): { certificates: Buffer[]; crls: Buffer[]; contentCipher: ContentCipher } {
  const parts = guard('DECRYPT', 'cannot open the pkcsPKIEnvelope', () => readEnvelope(envelope));
  const spec = cipherByOid(parts.cipherOid);
  if (!spec) throw codecError('ALGORITHM', 'content-encryption algorithm not supported');
  for (const info of parts.recipients) {
    const content = decryptForRecipient(parts, info, key, spec);
    if (!content) continue;
    try {
      return { ...readCertsOnly(content), contentCipher: spec.name };
    } catch {
      continue;
    }
  }
  throw codecError('DECRYPT', 'cannot open the pkcsPKIEnvelope');
}
