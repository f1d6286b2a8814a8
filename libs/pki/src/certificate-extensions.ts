// Internal: encoders for the only extensions the certificate builder emits (RFC 5280 §4.2.1).
// There is deliberately no "pass-through" encoder: nothing from a CSR can reach a certificate except
// through these typed inputs, so a CA flag or a nameConstraints requested by a client cannot be copied.
import type { KeyUsageBit } from './certificate-builder';
import * as der from './der-writer';
import { PkiError } from './errors';
import * as oids from './oids';

/** KeyUsage named bits (RFC 5280 §4.2.1.3). */
const KEY_USAGE_BITS: Readonly<Record<KeyUsageBit, number>> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};

function invalid(message: string): never {
  throw new PkiError('INVALID_ARGUMENT', message);
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 §4.1). */
function extension(oid: string, critical: boolean, value: Uint8Array): Buffer {
  // DER leaves out a DEFAULT value (X.690 §11.5): non-critical extensions carry no BOOLEAN.
  return critical
    ? der.sequence(der.oid(oid), der.booleanTrue(), der.octetString(value))
    : der.sequence(der.oid(oid), der.octetString(value));
}

/** The end-entity basicConstraints never changes: encode it once. */
const END_ENTITY_BASIC_CONSTRAINTS = extension(oids.OID_BASIC_CONSTRAINTS, true, der.sequence());

/** basicConstraints (RFC 5280 §4.2.1.9), always critical. */
export function basicConstraints(ca: { pathLength?: number } | undefined): Buffer {
  // An end entity gets an empty SEQUENCE: cA defaults to FALSE (DER omits it).
  if (!ca) return END_ENTITY_BASIC_CONSTRAINTS;
  if (ca.pathLength === undefined) return extension(oids.OID_BASIC_CONSTRAINTS, true, der.sequence(der.booleanTrue()));
  if (!Number.isSafeInteger(ca.pathLength) || ca.pathLength < 0) invalid('pathLength must be a non-negative integer');
  return extension(oids.OID_BASIC_CONSTRAINTS, true, der.sequence(der.booleanTrue(), der.integer(ca.pathLength)));
}

/** The distinct KeyUsage names, validated (the type is a compile-time promise only). */
export function keyUsageSet(names: readonly KeyUsageBit[]): Set<KeyUsageBit> {
  const set = new Set<KeyUsageBit>();
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(KEY_USAGE_BITS, name)) invalid(`unknown keyUsage '${String(name)}'`);
    set.add(name);
  }
  return set;
}

/** keyUsage (RFC 5280 §4.2.1.3), critical. A NamedBitList drops trailing zero bits in DER (X.690 §11.2.2). */
export function keyUsage(names: ReadonlySet<KeyUsageBit>): Buffer {
  let byte = 0;
  for (const name of names) byte |= 0x80 >> KEY_USAGE_BITS[name];
  let unusedBits = 0;
  while (unusedBits < 7 && (byte & (1 << unusedBits)) === 0) unusedBits++;
  return extension(oids.OID_KEY_USAGE, true, der.bitString(Buffer.from([byte]), unusedBits));
}

/** extKeyUsage (RFC 5280 §4.2.1.12), non-critical so relying parties that do not know an OID still work. */
export function extKeyUsage(purposes: readonly string[]): Buffer {
  const distinct = [...new Set(purposes)];
  for (const oid of distinct) if (!der.isValidOid(oid)) invalid('extendedKeyUsage entries must be dotted OIDs');
  return extension(oids.OID_EXT_KEY_USAGE, false, der.sequence(...distinct.map((oid) => der.oid(oid))));
}

/** subjectKeyIdentifier (RFC 5280 §4.2.1.2), non-critical. */
export function subjectKeyIdentifier(keyId: Uint8Array): Buffer {
  return extension(oids.OID_SUBJECT_KEY_IDENTIFIER, false, der.octetString(keyId));
}

/** authorityKeyIdentifier (RFC 5280 §4.2.1.1) with keyIdentifier [0] IMPLICIT OCTET STRING only, non-critical. */
export function authorityKeyIdentifier(keyId: Uint8Array): Buffer {
  return extension(oids.OID_AUTHORITY_KEY_IDENTIFIER, false, der.sequence(der.tlv(der.contextTag(0, false), keyId)));
}

/** subjectAltName (RFC 5280 §4.2.1.6) from an already-encoded GeneralNames value. */
export function subjectAltName(generalNamesDer: Uint8Array, critical: boolean): Buffer {
  return extension(oids.OID_SUBJECT_ALT_NAME, critical, generalNamesDer);
}

/**
 * cRLDistributionPoints (RFC 5280 §4.2.1.13): one DistributionPoint whose fullName lists every URL.
 * Several names in one point mean "the same CRL from any of these places", which is what mirrors are.
 */
export function crlDistributionPoints(urls: readonly string[]): Buffer {
  const names = urls.map((url) => {
    if (typeof url !== 'string' || !/^[\x21-\x7e]+$/.test(url) || !URL.canParse(url)) {
      invalid('CRL distribution points must be absolute ASCII URLs');
    }
    // GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String
    return der.tlv(der.contextTag(6, false), Buffer.from(url, 'latin1'));
  });
  // DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } }
  const fullName = der.tlv(der.contextTag(0, true), ...names);
  const distributionPoint = der.sequence(der.tlv(der.contextTag(0, true), fullName));
  return extension(oids.OID_CRL_DISTRIBUTION_POINTS, false, der.sequence(distributionPoint));
}

/** GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String for an absolute ASCII URL. */
function uriName(url: string, what: string): Buffer {
  if (typeof url !== 'string' || !/^[\x21-\x7e]+$/.test(url) || !URL.canParse(url)) invalid(`${what} must be absolute ASCII URLs`);
  return der.tlv(der.contextTag(6, false), Buffer.from(url, 'latin1'));
}

/**
 * authorityInfoAccess (RFC 5280 §4.2.2.1) with one id-ad-ocsp AccessDescription per URL (RFC 6960 §3.1): where
 * relying parties ask for the certificate's status. Non-critical, as the RFC requires.
 */
export function authorityInfoAccessOcsp(urls: readonly string[]): Buffer {
  const descriptions = urls.map((url) => der.sequence(der.oid(oids.OID_AD_OCSP), uriName(url, 'OCSP URLs')));
  return extension(oids.OID_AUTHORITY_INFO_ACCESS, false, der.sequence(...descriptions));
}

/** id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): relying parties need not check a delegated responder's status. */
const OCSP_NOCHECK = extension(oids.OID_PKIX_OCSP_NOCHECK, false, der.DER_NULL);
export function ocspNoCheck(): Buffer {
  return OCSP_NOCHECK;
}
