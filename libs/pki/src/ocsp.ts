// OCSP (RFC 6960): reading requests and writing responses. Requests are read with the lib's BER walker (they come
// from the internet: bounded, lenient where clients differ, strict where it matters); responses are written with the
// DER writer and signed with node:crypto, like certificates and CRLs (der-writer.ts explains why not asn1js).
import { createHash, sign, type KeyObject } from 'node:crypto';
import { type BerNode, berBytes, berChildren, berContent, berIntegerBytes, berOid, berStringOctets, readBerStrict } from './ber-walk';
import { type SignatureDigest, checkDigest, checkSigningKey, wholeSeconds } from './certificate-builder';
import type { CertificateInfo } from './certificate-info';
import type { CrlReason } from './crl-builder';
import { serialToHex } from './certificate-info';
import * as der from './der-writer';
import { PkiError } from './errors';
import * as oids from './oids';
import { readSubjectPublicKeyInfo } from './spki';

/** Hash algorithms a CertID may use (RFC 6960 §4.1.1; SHA-1 is what most clients send, RFC 5019 §2.1.1). */
export type CertIdHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const CERT_ID_HASHES: Readonly<Record<string, CertIdHash>> = {
  [oids.OID_SHA1]: 'sha1',
  [oids.OID_SHA256]: 'sha256',
  [oids.OID_SHA384]: 'sha384',
  [oids.OID_SHA512]: 'sha512',
};

/** One CertID of a request (RFC 6960 §4.1.1), with the exact bytes to echo in the response. */
export interface OcspCertId {
  /** The CertID's DER exactly as the client sent it: the response carries it back unchanged. */
  readonly der: Buffer;
  readonly hashAlgorithmOid: string;
  /** Undefined for a hash this responder does not compute (the certificate is then "unknown" to it). */
  readonly hash?: CertIdHash;
  readonly issuerNameHash: Buffer;
  readonly issuerKeyHash: Buffer;
  /** Upper-case hex without leading zero octets: the platform's one serial format (serialToHex). */
  readonly serialHex: string;
}

export interface OcspRequestInfo {
  readonly certIds: readonly OcspCertId[];
  /**
   * The nonce extension's extnValue octets exactly as sent (RFC 8954 §2.1), echoed byte for byte: clients compare the
   * whole value. Absent when the request has no nonce.
   */
  readonly nonce?: Buffer;
  /** The requestList DER: what identifies the question, nonce aside (a cache key for responses without a nonce). */
  readonly requestListDer: Buffer;
}

/** Bounds on what a request may hold: every loop over input is bounded. */
export const OCSP_MAX_REQUESTS = 20;
const MAX_EXTENSIONS = 16;
/** RFC 8954 §2.1: a nonce of 1 to 32 octets (the extnValue may wrap it in an OCTET STRING, as OpenSSL does). */
const MAX_NONCE_OCTETS = 32;
const MAX_HASH_OCTETS = 64;

/** A request the responder refuses: `field` names the part of the OCSPRequest that was wrong (for logs). */
export class OcspRequestError extends PkiError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('MALFORMED_DER', message);
    this.name = 'OcspRequestError';
  }
}

function refuse(field: string, message: string): never {
  throw new OcspRequestError(field, message);
}

/**
 * Reads an OCSPRequest (RFC 6960 §4.1.1): its CertIDs and its nonce. The optional signature and requestorName are
 * ignored (this responder does not require signed requests, §4.1.2); unknown non-critical extensions are ignored, a
 * critical one other than the nonce is refused (RFC 5280 §4.2 semantics). Throws OcspRequestError naming the field.
 */
export function readOcspRequest(bytes: Uint8Array): OcspRequestInfo {
  let root: BerNode;
  try {
    root = readBerStrict(bytes);
  } catch {
    return refuse('OCSPRequest', 'not a DER OCSPRequest');
  }
  try {
    return parseRequest(root);
  } catch (error) {
    if (error instanceof OcspRequestError) throw error;
    return refuse('OCSPRequest', 'not a well-formed OCSPRequest');
  }
}

function parseRequest(root: BerNode): OcspRequestInfo {
  if (root.tag !== 0x30) refuse('OCSPRequest', 'not a SEQUENCE');
  const [tbs] = berChildren(root, 2);
  if (!tbs || tbs.tag !== 0x30) refuse('tbsRequest', 'missing');
  let parts = berChildren(tbs, 4);
  if (parts[0]?.tag === 0xa0) {
    const [version] = berChildren(parts[0], 1);
    if (!version || version.tag !== 0x02 || berContent(version).length !== 1 || berContent(version)[0] !== 0) refuse('tbsRequest.version', 'only v1 (0) is defined');
    parts = parts.slice(1);
  }
  if (parts[0]?.tag === 0xa1) parts = parts.slice(1); // requestorName: not used
  const [requestList, extensionsNode] = parts;
  if (!requestList || requestList.tag !== 0x30) refuse('tbsRequest.requestList', 'missing');
  const requests = (() => {
    try {
      return berChildren(requestList, OCSP_MAX_REQUESTS);
    } catch {
      return refuse('tbsRequest.requestList', `at most ${OCSP_MAX_REQUESTS} certificates per request`);
    }
  })();
  if (requests.length === 0) refuse('tbsRequest.requestList', 'no certificate asked about');
  const certIds = requests.map((request, index) => readRequest(request, `tbsRequest.requestList.${index}`));
  let nonce: Buffer | undefined;
  if (extensionsNode) {
    if (extensionsNode.tag !== 0xa2) refuse('tbsRequest', 'unexpected element');
    const [list] = berChildren(extensionsNode, 1);
    if (!list || list.tag !== 0x30) refuse('tbsRequest.requestExtensions', 'not a SEQUENCE');
    for (const [index, extension] of berChildren(list, MAX_EXTENSIONS).entries()) {
      const { oid, critical, value } = readExtension(extension, `tbsRequest.requestExtensions.${index}`);
      if (oid === oids.OID_PKIX_OCSP_NONCE) nonce = checkedNonce(value);
      else if (critical) refuse(`tbsRequest.requestExtensions.${index}`, `unsupported critical extension ${oid}`);
    }
  }
  return { certIds, ...(nonce ? { nonce } : {}), requestListDer: Buffer.from(berBytes(requestList)) };
}

function readRequest(request: BerNode, field: string): OcspCertId {
  if (request.tag !== 0x30) refuse(field, 'not a Request');
  const [certId, singleExtensions] = berChildren(request, 2);
  if (!certId || certId.tag !== 0x30) refuse(`${field}.reqCert`, 'missing');
  if (singleExtensions) {
    if (singleExtensions.tag !== 0xa0) refuse(field, 'unexpected element');
    const [list] = berChildren(singleExtensions, 1);
    for (const [index, extension] of berChildren(list ?? singleExtensions, MAX_EXTENSIONS).entries()) {
      if (readExtension(extension, `${field}.singleRequestExtensions.${index}`).critical) refuse(`${field}.singleRequestExtensions.${index}`, 'unsupported critical extension');
    }
  }
  const [algorithm, nameHash, keyHash, serial] = berChildren(certId, 4);
  if (!algorithm || algorithm.tag !== 0x30 || !nameHash || nameHash.tag !== 0x04 || !keyHash || keyHash.tag !== 0x04 || !serial) {
    refuse(`${field}.reqCert`, 'not a CertID');
  }
  const [algorithmOid] = berChildren(algorithm, 2);
  if (!algorithmOid) refuse(`${field}.reqCert.hashAlgorithm`, 'missing');
  const hashAlgorithmOid = berOid(algorithmOid);
  const issuerNameHash = Buffer.from(berStringOctets(nameHash));
  const issuerKeyHash = Buffer.from(berStringOctets(keyHash));
  if (issuerNameHash.length === 0 || issuerNameHash.length > MAX_HASH_OCTETS) refuse(`${field}.reqCert.issuerNameHash`, 'bad length');
  if (issuerKeyHash.length === 0 || issuerKeyHash.length > MAX_HASH_OCTETS) refuse(`${field}.reqCert.issuerKeyHash`, 'bad length');
  let serialBytes: Buffer;
  try {
    serialBytes = berIntegerBytes(serial);
  } catch {
    return refuse(`${field}.reqCert.serialNumber`, 'not an INTEGER');
  }
  // RFC 5280 §4.1.2.2: at most 20 octets (one more for a sign octet); negative serials exist nowhere here.
  if (serialBytes.length > 21 || (serialBytes[0] ?? 0) & 0x80) refuse(`${field}.reqCert.serialNumber`, 'not a serial this CA could have issued');
  const hash = Object.hasOwn(CERT_ID_HASHES, hashAlgorithmOid) ? CERT_ID_HASHES[hashAlgorithmOid] : undefined;
  return {
    der: Buffer.from(berBytes(certId)),
    hashAlgorithmOid,
    ...(hash ? { hash } : {}),
    issuerNameHash,
    issuerKeyHash,
    serialHex: serialToHex(serialBytes),
  };
}

function readExtension(extension: BerNode, field: string): { oid: string; critical: boolean; value: Buffer } {
  if (extension.tag !== 0x30) refuse(field, 'not an Extension');
  const parts = berChildren(extension, 3);
  const [oidNode] = parts;
  const valueNode = parts[parts.length - 1];
  if (!oidNode || !valueNode || parts.length < 2 || valueNode.tag !== 0x04) refuse(field, 'not an Extension');
  const critical = parts.length === 3 && parts[1]?.tag === 0x01 && berContent(parts[1])[0] !== 0;
  return { oid: berOid(oidNode), critical, value: Buffer.from(berStringOctets(valueNode)) };
}

/** The nonce as sent, checked for RFC 8954 §2.1's 1..32 octets (inside an OCTET STRING, or bare as older clients send it). */
function checkedNonce(value: Buffer): Buffer {
  let octets = value;
  try {
    const inner = readBerStrict(value);
    if (inner.tag === 0x04) octets = berContent(inner);
  } catch {
    // A bare nonce: its octets are the value itself.
  }
  if (octets.length < 1 || octets.length > MAX_NONCE_OCTETS) refuse('tbsRequest.requestExtensions.nonce', `a nonce has 1 to ${MAX_NONCE_OCTETS} octets (RFC 8954)`);
  return value;
}

/** How the CertID hashes of a CA come out under each algorithm (RFC 6960 §4.1.1): issuer Name DER and key bits. */
export interface CertIdIssuer {
  readonly subjectDer: Buffer;
  readonly spkiDer: Buffer;
}

/** Whether the CertID names this CA as the issuer (both hashes equal under the CertID's own algorithm). */
export function certIdNamesIssuer(certId: OcspCertId, issuer: CertIdIssuer): boolean {
  if (!certId.hash) return false;
  const keyBits = readSubjectPublicKeyInfo(readBerStrict(issuer.spkiDer)).subjectPublicKey;
  return (
    createHash(certId.hash).update(issuer.subjectDer).digest().equals(certId.issuerNameHash) &&
    createHash(certId.hash).update(keyBits).digest().equals(certId.issuerKeyHash)
  );
}

export type OcspCertStatus =
  | { readonly kind: 'good' }
  | { readonly kind: 'revoked'; readonly revokedAt: Date; readonly reason?: CrlReason }
  | { readonly kind: 'unknown' };

export interface OcspSingleResponse {
  /** The CertID as the request carried it (OcspCertId.der). */
  readonly certIdDer: Buffer;
  readonly status: OcspCertStatus;
}

export interface OcspResponseRequest {
  /** The responder: a delegated responder certificate issued by the CA (RFC 6960 §4.2.2.2), or the CA itself. */
  readonly responder: CertificateInfo;
  readonly responderKey: KeyObject;
  /** Certificates to include in `certs` (the delegated responder's own, so clients can check it). */
  readonly certificates: readonly Buffer[];
  readonly responses: readonly OcspSingleResponse[];
  readonly producedAt: Date;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** The request's nonce extnValue, echoed (RFC 8954 §2.1). */
  readonly nonce?: Buffer;
  readonly digest: SignatureDigest;
}

/** OCSPResponseStatus values other than successful (RFC 6960 §4.2.1); 4 is not used. */
export const OcspResponseStatus = { malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 } as const;
export type OcspErrorStatus = keyof typeof OcspResponseStatus;

/** An OCSPResponse carrying only an error status (no responseBytes, unsigned by definition: RFC 6960 §4.2.1). */
export function ocspErrorResponse(status: OcspErrorStatus): Buffer {
  return der.sequence(der.tlv(der.Tag.ENUMERATED, Buffer.from([OcspResponseStatus[status]])));
}

function certStatus(status: OcspCertStatus): Buffer {
  switch (status.kind) {
    case 'good':
      return Buffer.from([0x80, 0x00]); // good [0] IMPLICIT NULL
    case 'unknown':
      return Buffer.from([0x82, 0x00]); // unknown [2] IMPLICIT UnknownInfo (NULL)
    case 'revoked': {
      // revoked [1] IMPLICIT RevokedInfo { revocationTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
      const parts = [der.generalizedTime(wholeSeconds(status.revokedAt, 'revokedAt'))];
      if (status.reason !== undefined) parts.push(der.tlv(der.contextTag(0, true), der.tlv(der.Tag.ENUMERATED, Buffer.from([status.reason]))));
      return der.tlv(der.contextTag(1, true), ...parts);
    }
    default:
      throw new PkiError('INVALID_ARGUMENT', 'unknown certificate status');
  }
}

/**
 * A successful OCSPResponse with a BasicOCSPResponse (RFC 6960 §4.2.1): responderID byKey (SHA-1 of the responder's
 * public key bits), one SingleResponse per CertID with thisUpdate/nextUpdate, the nonce echoed when the request had
 * one, signed by the responder key and carrying `certificates`. Returns DER.
 */
export function buildOcspResponse(req: OcspResponseRequest): Buffer {
  const signatureAlgorithm = checkDigest(req.digest);
  checkSigningKey(req.responderKey, 'responderKey');
  if (req.responses.length === 0 || req.responses.length > OCSP_MAX_REQUESTS) throw new PkiError('INVALID_ARGUMENT', `1 to ${OCSP_MAX_REQUESTS} responses`);
  if (!(req.nextUpdate?.getTime() > req.thisUpdate?.getTime())) throw new PkiError('INVALID_ARGUMENT', 'nextUpdate must be later than thisUpdate');
  const thisUpdate = der.generalizedTime(wholeSeconds(req.thisUpdate, 'thisUpdate'));
  const nextUpdate = der.tlv(der.contextTag(0, true), der.generalizedTime(wholeSeconds(req.nextUpdate, 'nextUpdate')));
  const singles = req.responses.map((single) => der.sequence(single.certIdDer, certStatus(single.status), thisUpdate, nextUpdate));
  const responderKeyHash = createHash('sha1').update(readSubjectPublicKeyInfo(readBerStrict(req.responder.spkiDer)).subjectPublicKey).digest();
  const extensions = req.nonce ? [der.tlv(der.contextTag(1, true), der.sequence(der.sequence(der.oid(oids.OID_PKIX_OCSP_NONCE), der.octetString(req.nonce))))] : [];
  const tbs = der.sequence(
    // version v1 is the DEFAULT: absent in DER. responderID byKey [2] EXPLICIT KeyHash (the module's tags are EXPLICIT).
    der.tlv(der.contextTag(2, true), der.octetString(responderKeyHash)),
    der.generalizedTime(wholeSeconds(req.producedAt, 'producedAt')),
    der.sequence(...singles),
    ...extensions,
  );
  const signature = sign(req.digest, tbs, req.responderKey);
  const basic = der.sequence(
    tbs,
    signatureAlgorithm,
    der.bitString(signature),
    ...(req.certificates.length ? [der.tlv(der.contextTag(0, true), der.sequence(...req.certificates))] : []),
  );
  // OCSPResponse { responseStatus successful (0), responseBytes [0] EXPLICIT { id-pkix-ocsp-basic, OCTET STRING } }
  return der.sequence(
    der.tlv(der.Tag.ENUMERATED, Buffer.from([0])),
    der.tlv(der.contextTag(0, true), der.sequence(der.oid(oids.OID_PKIX_OCSP_BASIC), der.octetString(basic))),
  );
}
