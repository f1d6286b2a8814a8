// Writing a signed pkiMessage: ContentInfo(SignedData v1) with one SignerInfo v1 (issuerAndSerialNumber),
// the CMS attributes contentType / messageDigest / signingTime added to the caller's SCEP attributes, the
// SET DER-sorted, signed as [0x31 ...] and embedded as [0xA0 ...] (RFC 5652 §5.4, scep-protocol.md §7).
import { createHash, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { derWriter } from '@scep/pki';
import type { CertificateInfo } from '@scep/pki';
import type { DigestName } from '../constants';
import { DIGEST_OIDS, RSA_SIGNATURE_OIDS } from './algorithms';
import { attribute, signedAttributesContent, signedAttributesEncodings } from './attributes';
import { issuerAndSerialNumberOf } from './identifiers';
import { OID_CONTENT_TYPE, OID_DATA, OID_MESSAGE_DIGEST, OID_RSA_ENCRYPTION, OID_SIGNED_DATA, OID_SIGNING_TIME } from './oids';

const { algorithmIdentifier, integer, octetString, oid, sequence, setInOrder, time, tlv } = derWriter;

export interface SignedMessageInput {
  readonly digest: DigestName;
  /** eContent octets (a primitive OCTET STRING is written); undefined = no eContent (FAILURE / PENDING). */
  readonly content?: Uint8Array;
  /** SignedData.certificates, in this order (never sorted). */
  readonly certificates: readonly Uint8Array[];
  readonly signer: CertificateInfo;
  readonly signerKey: KeyObject;
  /** Further signed attributes (complete Attribute encodings). */
  readonly attributes: readonly Uint8Array[];
  /** null = no signingTime attribute. */
  readonly signingTime: Date | null;
  /** rsaEncryption (what NDES, BouncyCastle and cryptlib write) or the shaNWithRSAEncryption of `digest`. */
  readonly signatureAlgorithm: 'rsaEncryption' | 'shaWithRsa';
}

export function buildSignedMessage(input: SignedMessageInput): Buffer {
  // RFC 5652 §5.4: messageDigest is over the eContent octets; with no eContent, over the empty string
  // (what BouncyCastle's CMSAbsentContent and Go's pkcs7 produce, §7.1).
  const messageDigest = createHash(input.digest)
    .update(input.content ?? Buffer.alloc(0))
    .digest();
  const attributes = [
    attribute(OID_CONTENT_TYPE, oid(OID_DATA)),
    attribute(OID_MESSAGE_DIGEST, octetString(messageDigest)),
    ...(input.signingTime ? [attribute(OID_SIGNING_TIME, time(input.signingTime))] : []),
    ...input.attributes,
  ];
  const { toSign, embedded } = signedAttributesEncodings(signedAttributesContent(attributes));
  // A bare KeyObject signs with PKCS#1 v1.5 (the RSA default), without the cost of an options object (crypto-calls.ts).
  const signature = sign(input.digest, toSign, input.signerKey);
  const signatureAlgorithmOid = input.signatureAlgorithm === 'rsaEncryption' ? OID_RSA_ENCRYPTION : RSA_SIGNATURE_OIDS[input.digest];

  const signerInfo = sequence(
    integer(1),
    issuerAndSerialNumberOf(input.signer),
    algorithmIdentifier(DIGEST_OIDS[input.digest]),
    embedded,
    algorithmIdentifier(signatureAlgorithmOid),
    octetString(signature),
  );
  const encapContentInfo =
    input.content === undefined ? sequence(oid(OID_DATA)) : sequence(oid(OID_DATA), tlv(0xa0, octetString(input.content)));
  const signedData = sequence(
    integer(1),
    setInOrder(algorithmIdentifier(DIGEST_OIDS[input.digest])),
    encapContentInfo,
    ...(input.certificates.length ? [tlv(0xa0, ...input.certificates)] : []),
    setInOrder(signerInfo),
  );
  return sequence(oid(OID_SIGNED_DATA), tlv(0xa0, signedData));
}
