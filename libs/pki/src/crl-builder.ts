// X.509 v2 CRLs (RFC 5280 §5): what GetCRL returns and what the CRL distribution point serves.
import type { KeyObject } from 'node:crypto';
import { authorityKeyIdentifier } from './certificate-extensions';
import { type SignatureDigest, checkDigest, checkSigningKey, keyIdentifier, signCertificate, wholeSeconds } from './certificate-builder';
import type { CertificateInfo } from './certificate-info';
import * as der from './der-writer';
import { PkiError } from './errors';

/** RFC 5280 §5.3.1 CRLReason codes we emit (7 is unused by the RFC). */
export type CrlReason = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 8 | 9 | 10;

export interface RevokedEntry {
  /** Serial INTEGER content octets as in the certificate. */
  readonly serial: Buffer;
  readonly revokedAt: Date;
  readonly reason?: CrlReason;
}

export interface CrlRequest {
  readonly issuer: CertificateInfo;
  readonly issuerKey: KeyObject;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** Monotonically increasing per CA (RFC 5280 §5.2.3): a non-negative integer, at most 20 octets. */
  readonly crlNumber: bigint;
  readonly revoked: readonly RevokedEntry[];
  readonly digest: SignatureDigest;
}

const OID_CRL_NUMBER = '2.5.29.20';
const OID_CRL_REASON = '2.5.29.21';
/** version Version OPTIONAL — v2 (1), required when extensions are present (RFC 5280 §5.1.2.1). */
const VERSION_V2 = der.integer(1);

function invalid(message: string): never {
  throw new PkiError('INVALID_ARGUMENT', message);
}

/** A non-negative INTEGER from a bigint (two's complement, minimal). */
function bigInteger(value: bigint): Buffer {
  if (value < 0n) invalid('crlNumber must be non-negative');
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  if (bytes.length > 20) invalid('crlNumber must fit in 20 octets');
  return der.integerFromContent(bytes);
}

function revokedCertificate(entry: RevokedEntry): Buffer {
  const parts = [der.integerFromContent(entry.serial), der.time(wholeSeconds(entry.revokedAt, 'revokedAt'))];
  if (entry.reason !== undefined && entry.reason !== 0) {
    // crlEntryExtensions: reasonCode (non-critical); "unspecified" (0) SHOULD be absent (RFC 5280 §5.3.1).
    const reasonCode = der.tlv(der.Tag.ENUMERATED, Buffer.from([entry.reason]));
    parts.push(der.sequence(der.sequence(der.oid(OID_CRL_REASON), der.octetString(reasonCode))));
  }
  return der.sequence(...parts);
}

/**
 * Builds and signs a CRL: issuer Name copied byte for byte from the CA certificate, authorityKeyIdentifier and
 * cRLNumber extensions (both required for conforming CAs, RFC 5280 §5.2.1/§5.2.3), revokedCertificates omitted
 * when empty (§5.1.2.6). Returns DER.
 */
export function buildCrl(req: CrlRequest): Buffer {
  const signatureAlgorithm = checkDigest(req.digest);
  checkSigningKey(req.issuerKey, 'issuerKey');
  const thisUpdate = wholeSeconds(req.thisUpdate, 'thisUpdate');
  const nextUpdate = wholeSeconds(req.nextUpdate, 'nextUpdate');
  if (nextUpdate.getTime() <= thisUpdate.getTime()) invalid('nextUpdate must be later than thisUpdate');
  const aki = req.issuer.subjectKeyIdentifier ?? keyIdentifier(req.issuer.spkiDer, 'issuer key');
  const extensions = der.sequence(
    authorityKeyIdentifier(aki),
    der.sequence(der.oid(OID_CRL_NUMBER), der.octetString(bigInteger(req.crlNumber))),
  );
  const tbs = der.sequence(
    VERSION_V2,
    signatureAlgorithm,
    req.issuer.subjectDer,
    der.time(thisUpdate),
    der.time(nextUpdate),
    ...(req.revoked.length ? [der.sequence(...req.revoked.map(revokedCertificate))] : []),
    der.tlv(der.contextTag(0, true), extensions),
  );
  return signCertificate(tbs, req.digest, signatureAlgorithm, req.issuerKey, req.issuer.publicKey);
}
