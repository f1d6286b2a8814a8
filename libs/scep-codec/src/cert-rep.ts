// OWNER: codec helper. Building a CertRep (scep-protocol.md §7).
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readBerStrict, derWriter } from '@scep/pki';
import type { CertificateInfo } from '@scep/pki';
import { buildCertsOnly } from './certs-only';
import { MessageType, PkiStatus } from './constants';
import type { ContentCipher, DigestName, FailInfo } from './constants';
import { replyCipherFor, sealEnvelope } from './envelope';
import { attribute } from './internal/attributes';
import { codecError, guard } from './internal/fail';
import {
  OID_SCEP_FAIL_INFO,
  OID_SCEP_FAIL_INFO_TEXT,
  OID_SCEP_MESSAGE_TYPE,
  OID_SCEP_PKI_STATUS,
  OID_SCEP_RECIPIENT_NONCE,
  OID_SCEP_SENDER_NONCE,
  OID_SCEP_TRANSACTION_ID,
} from './internal/oids';
import { buildSignedMessage } from './internal/signed-message';

const { octetString, printableString, utf8String } = derWriter;

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

/** RFC 8894 §3.2.1.4.1: the failInfoText attribute is short, generic text (never internals, §7.2). */
const MAX_FAIL_INFO_TEXT = 120;

/**
 * Reply digest: the request's, except MD5, which is answered with SHA-256 (RFC 8894 §2.9 forbids MD5; never
 * answer a stronger request with a weaker digest, §7.2).
 */
export function replyDigestFor(requestDigest: DigestName): DigestName {
  return requestDigest === 'md5' ? 'sha256' : requestDigest;
}

/** DER ContentInfo(SignedData) CertRep, signed by the RA with DER-sorted signed attributes. */
export function buildCertRep(input: CertRepInput): Buffer {
  validate(input);
  const digest = replyDigestFor(input.digestAlgorithm);

  // SUCCESS: eContent = DER ContentInfo(EnvelopedData) of a certs-only bag, issued certificate first (§7.1).
  // FAILURE / PENDING: no pkcsPKIEnvelope, but an eContent that is an EMPTY OCTET STRING rather than no eContent:
  // clients on OpenSSL's PKCS#7 API (certmonger's scep-submit) call PKCS7_verify without detached data, which refuses
  // a SignedData without content ("PKCS7 routines::no content"), so they could never read a PENDING or FAILURE.
  // EJBCA answers the same way; messageDigest is the hash of the empty string either way (§7.1).
  let content: Buffer = Buffer.alloc(0);
  if (input.status === PkiStatus.Success && input.success) {
    const success = input.success;
    const bag = buildCertsOnly(success.certificates, success.crls);
    content = sealEnvelope(bag, success.recipient, replyCipherFor(success.contentCipher));
  }

  // PrintableString / OCTET STRING with short-form lengths: Apple requires tag 0x13 + short length for
  // messageType / pkiStatus; sscep and jscep look attributes up by ASN.1 type (§5.2).
  const attributes: Buffer[] = [
    attribute(OID_SCEP_TRANSACTION_ID, input.transactionIdEncoded),
    attribute(OID_SCEP_MESSAGE_TYPE, printableString(String(MessageType.CertRep))),
    attribute(OID_SCEP_PKI_STATUS, printableString(String(input.status))),
    attribute(OID_SCEP_SENDER_NONCE, octetString(input.senderNonce ?? randomBytes(16))),
    attribute(OID_SCEP_RECIPIENT_NONCE, octetString(input.recipientNonce)),
  ];
  if (input.status === PkiStatus.Failure) {
    attributes.push(attribute(OID_SCEP_FAIL_INFO, printableString(String(input.failInfo))));
    if (input.failInfoText) attributes.push(attribute(OID_SCEP_FAIL_INFO_TEXT, utf8String(input.failInfoText)));
  }

  return guard('MALFORMED', 'cannot build the CertRep', () =>
    buildSignedMessage({
      digest,
      content,
      certificates: [input.signer.certificate.der, ...(input.extraCertificates ?? [])],
      signer: input.signer.certificate,
      signerKey: input.signer.privateKey,
      attributes,
      signingTime: input.signingTime ?? new Date(),
      // rsaEncryption: what NDES, BouncyCastle and cryptlib write; every client examined reads it (§7.1).
      signatureAlgorithm: 'rsaEncryption',
    }),
  );
}

/** Caller mistakes are reported as MALFORMED before any key is used. */
function validate(input: CertRepInput): void {
  const bad = (why: string): never => {
    throw codecError('MALFORMED', `invalid CertRep input: ${why}`);
  };
  if (![PkiStatus.Success, PkiStatus.Failure, PkiStatus.Pending].includes(input.status)) bad('unknown pkiStatus');
  if (input.status === PkiStatus.Failure && (input.failInfo === undefined || !Number.isInteger(input.failInfo) || input.failInfo < 0 || input.failInfo > 4)) {
    bad('FAILURE needs a failInfo');
  }
  // SUCCESS carries the issued certificate, or — answering GetCRL (RFC 8894 §3.3.4) — only a CRL.
  if (input.status === PkiStatus.Success && (!input.success || input.success.certificates.length + (input.success.crls?.length ?? 0) === 0)) {
    bad('SUCCESS needs a certificate or a CRL');
  }
  if (input.status !== PkiStatus.Success && input.success) bad('only SUCCESS carries certificates');
  if (input.failInfoText !== undefined && input.failInfoText.length > MAX_FAIL_INFO_TEXT) bad('failInfoText too long');
  if (!input.recipientNonce?.length) bad('recipientNonce missing');
  if (input.senderNonce !== undefined && input.senderNonce.length === 0) bad('empty senderNonce');
  if (input.signer.privateKey.asymmetricKeyType !== 'rsa') throw codecError('ALGORITHM', 'the CertRep signer key must be RSA');
  // The echoed transactionID must be exactly one TLV (it is copied into the SET unchanged).
  guard('MALFORMED', 'invalid CertRep input: transactionIdEncoded is not one TLV', () => readBerStrict(input.transactionIdEncoded));
}
