// Reading and verifying a signed SCEP message (request pkiMessage or CertRep): scep-protocol.md §5.3 steps 1-4.
// Shared by parsePkiMessage / verifyPkiMessage and the test client's readCertRep.
import { constants, createHash, timingSafeEqual, verify } from 'node:crypto';
import { berBytes, berChildren, berOid, berSmallInteger, berStringOctets, berText, berTime, readCertificate } from '@scep/pki';
import type { BerNode, CertificateInfo } from '@scep/pki';
import type { DigestName } from '../constants';
import type { ScepAttributes } from '../pki-message';
import { digestByOid, rsaSignatureDigestByOid } from './algorithms';
import { readAttributes, singleValue } from './attributes';
import { readSignedDataContentInfo } from './cms';
import type { SignedDataParts } from './cms';
import { codecError, guard } from './fail';
import { identifierMatches } from './identifiers';
import {
  OID_CONTENT_TYPE,
  OID_DATA,
  OID_MESSAGE_DIGEST,
  OID_MGF1,
  OID_RSA_ENCRYPTION,
  OID_RSASSA_PSS,
  OID_SCEP_MESSAGE_TYPE,
  OID_SCEP_RECIPIENT_NONCE,
  OID_SCEP_SENDER_NONCE,
  OID_SCEP_TRANSACTION_ID,
  OID_SIGNING_TIME,
} from './oids';
import { readSignerInfo } from './signer-info';
import type { SignerInfoParts } from './signer-info';

/** Input limits (scep-protocol.md §13 "Input limits"). */
export const MESSAGE_LIMITS = {
  maxBytes: 256 * 1024,
  maxCertificates: 10,
  maxCrls: 10,
  maxSignerInfos: 4,
  maxDigestAlgorithms: 8,
  maxAttributes: 32,
  maxTransactionIdLength: 256,
  maxNonceBytes: 64,
} as const;

/** What verification needs from the parse; a class so that handles made elsewhere are refused. */
export class SignerHandle {
  constructor(
    readonly signerInfo: SignerInfoParts,
    readonly attributes: Map<string, BerNode[]>,
  ) {}
}

export interface ReadMessage {
  readonly attributes: ScepAttributes;
  readonly signedData: SignedDataParts;
  readonly handle: SignerHandle;
}

/** Character string tags, primitive and (BER) constructed. */
const STRING_TAGS = new Set([0x0c, 0x12, 0x13, 0x14, 0x16, 0x1a, 0x1c, 0x1e, 0x2c, 0x32, 0x33, 0x34, 0x36, 0x3a, 0x3c, 0x3e]);

export function isStringNode(node: BerNode | undefined): node is BerNode {
  return node !== undefined && STRING_TAGS.has(node.tag);
}

/**
 * Steps 1-2: structure, then the SCEP attributes, before anything is verified (so a FAILURE can echo them).
 * Throws ScepCodecError MALFORMED only.
 */
export function readMessage(der: Uint8Array): ReadMessage {
  if (!(der instanceof Uint8Array) || der.length === 0) throw codecError('MALFORMED', 'empty pkiMessage');
  if (der.length > MESSAGE_LIMITS.maxBytes) throw codecError('MALFORMED', 'pkiMessage too large');
  // One private copy: every returned value (certificates, content, the signedAttrs checked later) is a view of it,
  // so a caller reusing its input buffer cannot change what gets verified.
  const buf = Buffer.from(der);
  return guard('MALFORMED', 'not a SignedData pkiMessage', () => {
    const signedData = readSignedDataContentInfo(buf, MESSAGE_LIMITS);
    if (signedData.eContentType !== OID_DATA) throw codecError('MALFORMED', 'eContentType is not id-data');
    if (signedData.signerInfos.length === 0) throw codecError('MALFORMED', 'no SignerInfo');
    // SCEP messages carry one SignerInfo (RFC 8894 §3); the first one is the one we answer.
    const signerInfo = readSignerInfo(signedData.signerInfos[0]);
    if (!signerInfo.signedAttrs) throw codecError('MALFORMED', 'no signed attributes');
    const map = readAttributes(signerInfo.signedAttrs, MESSAGE_LIMITS.maxAttributes);
    return { attributes: readScepAttributes(map), signedData, handle: new SignerHandle(signerInfo, map) };
  });
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** RFC 8894 §3.2.1: transactionID and senderNonce are mandatory; messageType NaN when absent or not digits. */
function readScepAttributes(map: Map<string, BerNode[]>): ScepAttributes {
  const txNode = singleValue(map, OID_SCEP_TRANSACTION_ID);
  if (!isStringNode(txNode)) throw codecError('MALFORMED', 'missing transactionID');
  const transactionId = berText(txNode);
  if (transactionId.length === 0 || transactionId.length > MESSAGE_LIMITS.maxTransactionIdLength) {
    throw codecError('MALFORMED', 'bad transactionID length');
  }
  // Every service keys, stores and logs the transactionID as text: no control characters (RFC 8894 §3.2.1.1 makes it a
  // PrintableString; PostgreSQL text cannot even hold NUL, which surfaced as HTTP 500 in the gateway fuzz test).
  if (CONTROL_CHARACTER.test(transactionId)) throw codecError('MALFORMED', 'control character in transactionID');
  const senderNonce = readNonce(singleValue(map, OID_SCEP_SENDER_NONCE));
  if (!senderNonce) throw codecError('MALFORMED', 'missing senderNonce');
  const messageType = readDecimal(singleValue(map, OID_SCEP_MESSAGE_TYPE));
  // recipientNonce is absent in requests (pre-RFC drafts chained it); signingTime is optional. Both read leniently.
  let recipientNonce: Buffer | undefined;
  let signingTime: Date | undefined;
  try {
    recipientNonce = readNonce(singleValue(map, OID_SCEP_RECIPIENT_NONCE));
  } catch {
    recipientNonce = undefined;
  }
  try {
    const timeNode = singleValue(map, OID_SIGNING_TIME);
    signingTime = timeNode ? berTime(timeNode) : undefined;
  } catch {
    signingTime = undefined;
  }
  return {
    messageType,
    transactionId,
    transactionIdEncoded: berBytes(txNode),
    senderNonce,
    ...(recipientNonce ? { recipientNonce } : {}),
    ...(signingTime ? { signingTime } : {}),
  };
}

/** A PrintableString of decimal digits (messageType, pkiStatus, failInfo) as a number; NaN otherwise. */
export function readDecimal(node: BerNode | undefined): number {
  if (!isStringNode(node)) return Number.NaN;
  const text = berText(node);
  return /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
}

function readNonce(node: BerNode | undefined): Buffer | undefined {
  if (!node) return undefined;
  if (node.tag !== 0x04 && node.tag !== 0x24) throw codecError('MALFORMED', 'nonce is not an OCTET STRING');
  const value = berStringOctets(node);
  if (value.length === 0 || value.length > MESSAGE_LIMITS.maxNonceBytes) throw codecError('MALFORMED', 'bad nonce length');
  return value;
}

/**
 * Steps 3-4: algorithm policy, signer lookup (unless `imposedSigner`), contentType, messageDigest, signature.
 * Throws ScepCodecError SIGNATURE or ALGORITHM.
 */
export function verifyMessage(
  handle: unknown,
  content: Buffer | undefined,
  certificates: readonly Buffer[],
  allowedDigests: readonly DigestName[],
  imposedSigner?: CertificateInfo,
): CertificateInfo {
  if (!(handle instanceof SignerHandle)) throw codecError('MALFORMED', 'not a parsed pkiMessage');
  return guard('SIGNATURE', 'signature verification failed', () => {
    const { signerInfo, attributes } = handle;
    const digest = digestByOid(signerInfo.digestAlgorithmOid);
    if (!digest || !allowedDigests.includes(digest)) throw codecError('ALGORITHM', 'digest algorithm not accepted');
    // RFC 5652 §5.4 / RFC 3370 §3.2: rsaEncryption means PKCS#1 v1.5 with the SignerInfo's digest; shaNWithRSAEncryption
    // names its own hash; RSASSA-PSS (RFC 4056; strongSwan `pki --scep --rsa-padding pss`) carries hash, MGF1 hash and
    // salt length in its parameters. Anything else (non-RSA signatures): badAlg.
    const pss = signerInfo.signatureAlgorithmOid === OID_RSASSA_PSS ? readPssParams(signerInfo.signatureAlgorithmParams) : undefined;
    const signatureDigest =
      signerInfo.signatureAlgorithmOid === OID_RSA_ENCRYPTION
        ? digest
        : signerInfo.signatureAlgorithmOid === OID_RSASSA_PSS
          ? pss?.digest
          : rsaSignatureDigestByOid(signerInfo.signatureAlgorithmOid);
    if (!signatureDigest || !allowedDigests.includes(signatureDigest)) throw codecError('ALGORITHM', 'signature algorithm not accepted');

    const signer = imposedSigner ?? findSigner(signerInfo, certificates);
    if (!signer) throw codecError('SIGNATURE', 'signer certificate not found');
    if (imposedSigner && !identifierMatches(signerInfo.sid, imposedSigner)) throw codecError('SIGNATURE', 'not signed by the expected certificate');
    if (signer.publicKey.asymmetricKeyType !== 'rsa') throw codecError('ALGORITHM', 'signer key is not RSA');

    // contentType must be id-data (RFC 5652 §11.1; RFC 8894 §3.1).
    const contentType = singleValue(attributes, OID_CONTENT_TYPE);
    if (contentType?.tag !== 0x06 || berOid(contentType) !== OID_DATA) throw codecError('SIGNATURE', 'contentType attribute missing or not id-data');
    // messageDigest over the eContent octets (chunks concatenated), or over nothing when eContent is absent.
    const messageDigest = singleValue(attributes, OID_MESSAGE_DIGEST);
    if (messageDigest?.tag !== 0x04 && messageDigest?.tag !== 0x24) throw codecError('SIGNATURE', 'messageDigest attribute missing');
    const expected = createHash(digest).update(content ?? Buffer.alloc(0)).digest();
    const carried = berStringOctets(messageDigest);
    if (carried.length !== expected.length || !timingSafeEqual(carried, expected)) throw codecError('SIGNATURE', 'messageDigest mismatch');

    // The signature covers the ORIGINAL signedAttrs octets with the [0] IMPLICIT tag replaced by SET OF (0x31),
    // RFC 5652 §5.4; never a re-encoding (re-encoding breaks on any non-DER detail of the sender).
    const signedAttrs = signerInfo.signedAttrs;
    if (!signedAttrs) throw codecError('SIGNATURE', 'no signed attributes');
    const toVerify = Buffer.from(berBytes(signedAttrs));
    toVerify[0] = 0x31;
    const ok = pss
      ? verify(signatureDigest, toVerify, { key: signer.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength }, signerInfo.signature)
      : verify(signatureDigest, toVerify, signer.publicKey, signerInfo.signature); // PKCS#1 v1.5: the RSA default
    if (!ok) throw codecError('SIGNATURE', 'signature mismatch');
    return signer;
  });
}

/**
 * RSASSA-PSS-params (RFC 4055 §3.1): [0] hashAlgorithm DEFAULT sha1, [1] maskGenAlgorithm DEFAULT mgf1SHA1,
 * [2] saltLength DEFAULT 20, [3] trailerField DEFAULT 1. OpenSSL (behind node:crypto) takes the MGF1 hash from the
 * signature digest, so only MGF1 with the same hash and trailerField 1 are accepted (what every signer writes);
 * anything else is undefined (badAlg).
 */
function readPssParams(params: BerNode | undefined): { digest: DigestName; saltLength: number } | undefined {
  try {
    let digest: DigestName | undefined = 'sha1';
    let mgfDigest: DigestName | undefined = 'sha1';
    let saltLength = 20;
    let trailerField = 1;
    for (const field of params ? berChildren(params, 4) : []) {
      const [inner] = berChildren(field, 1);
      if (field.tag === 0xa0) digest = digestByOid(berOid(berChildren(inner, 2)[0]));
      else if (field.tag === 0xa1) {
        const [mgf, mgfParams] = berChildren(inner, 2);
        mgfDigest = berOid(mgf) === OID_MGF1 && mgfParams ? digestByOid(berOid(berChildren(mgfParams, 2)[0])) : undefined;
      } else if (field.tag === 0xa2) saltLength = berSmallInteger(inner);
      else if (field.tag === 0xa3) trailerField = berSmallInteger(inner);
      else return undefined;
    }
    if (params && params.tag !== 0x30) return undefined;
    if (!digest || digest !== mgfDigest || trailerField !== 1 || saltLength < 0) return undefined;
    return { digest, saltLength };
  } catch {
    return undefined;
  }
}

function findSigner(signerInfo: SignerInfoParts, certificates: readonly Buffer[]): CertificateInfo | undefined {
  for (const der of certificates) {
    let cert: CertificateInfo;
    try {
      cert = readCertificate(der);
    } catch {
      continue; // an unreadable chain certificate must not hide the signer
    }
    if (identifierMatches(signerInfo.sid, cert)) return cert;
  }
  return undefined;
}

/** The digest a message names, for readers that accept anything known. */
export function messageDigestName(handle: SignerHandle): DigestName | undefined {
  return digestByOid(handle.signerInfo.digestAlgorithmOid);
}
