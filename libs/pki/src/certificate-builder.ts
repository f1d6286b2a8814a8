// OWNER: pki helper. Building and signing X.509 certificates with node:crypto.
// The DER is written directly (der-writer.ts: ≈ 10× cheaper than asn1js nodes on this hot path) and
// node:crypto (OpenSSL) makes the RSA PKCS#1 v1.5 signature from a cached KeyObject. No WebCrypto: it
// would need a CryptoKey import per call and is slower.
import { createHash, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { berChildren, berContent, readBerStrict } from './ber-walk';
import type { CertificateInfo } from './certificate-info';
import * as ext from './certificate-extensions';
import * as der from './der-writer';
import { PkiError } from './errors';
import { decodeGeneralNames } from './general-names';
import { exportPublicKeySpki } from './keys';
import * as oids from './oids';

export type SignatureDigest = 'sha256' | 'sha384' | 'sha512';

export type KeyUsageBit =
  | 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment'
  | 'keyAgreement' | 'keyCertSign' | 'cRLSign';

export interface CaCertificateRequest {
  readonly subjectDer: Buffer;
  readonly keyPair: { privateKey: KeyObject; publicKey: KeyObject };
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly digest: SignatureDigest;
  /** Serial octets (positive INTEGER content); use randomSerial(). */
  readonly serial: Buffer;
}

function invalid(message: string): never {
  throw new PkiError('INVALID_ARGUMENT', message);
}

// ---------------------------------------------------------------------------------------------
// Constant parts, encoded once.

/** sha*WithRSAEncryption with explicit NULL parameters (RFC 4055 §5: parameters MUST be NULL). */
const SIGNATURE_ALGORITHMS: Readonly<Record<SignatureDigest, Buffer>> = {
  sha256: der.algorithmIdentifier(oids.OID_SHA256_WITH_RSA),
  sha384: der.algorithmIdentifier(oids.OID_SHA384_WITH_RSA),
  sha512: der.algorithmIdentifier(oids.OID_SHA512_WITH_RSA),
};

/** version [0] EXPLICIT Version DEFAULT v1 — v3 is 2 (RFC 5280 §4.1.2.1). */
const VERSION_V3 = der.tlv(der.contextTag(0, true), der.integer(2));

// ---------------------------------------------------------------------------------------------
// Input checks: cheap structural checks that keep a caller's mistake out of a signed certificate.

/** Serial rules of RFC 5280 §4.1.2.2: positive, at most 20 octets; and minimally encoded for DER. */
function checkSerial(serial: Buffer): void {
  if (!(serial instanceof Uint8Array) || serial.length === 0 || serial.length > 20) invalid('serial must be 1 to 20 octets');
  if (serial[0] & 0x80) invalid('serial must be positive');
  if (serial.length > 1 && serial[0] === 0 && (serial[1] & 0x80) === 0) invalid('serial must be minimally encoded');
  if (serial.every((b) => b === 0)) invalid('serial must be non-zero');
}

function checkName(der: Buffer, what: string): void {
  try {
    if (readBerStrict(der).tag === 0x30) return;
  } catch {
    // fall through
  }
  invalid(`${what} is not a DER Name`);
}

/**
 * The subjectPublicKey BIT STRING contents of a SubjectPublicKeyInfo (without the unused-bits octet):
 * what RFC 5280 §4.2.1.2 method (1) hashes for the key identifier.
 */
function publicKeyBits(spkiDer: Uint8Array, what: string): Buffer {
  try {
    // SEQUENCE { algorithm AlgorithmIdentifier (SEQUENCE), subjectPublicKey BIT STRING (0x03, no unused bits) }
    const root = readBerStrict(spkiDer);
    const parts = root.tag === 0x30 ? berChildren(root, 2) : [];
    if (parts.length === 2 && parts[0].tag === 0x30 && parts[1].tag === 0x03) {
      const bits = berContent(parts[1]);
      if (bits.length > 1 && bits[0] === 0) return bits.subarray(1);
    }
  } catch {
    // fall through
  }
  return invalid(`${what} is not a SubjectPublicKeyInfo`);
}

/** @internal (used by the CRL builder). SHA-1 key identifier, RFC 5280 §4.2.1.2 method (1). SHA-1 is what every client expects here; it is not a security function. */
export function keyIdentifier(spkiDer: Uint8Array, what: string): Buffer {
  return createHash('sha1').update(publicKeyBits(spkiDer, what)).digest();
}

export function checkSigningKey(key: KeyObject, what: string): void {
  if (!key || key.type !== 'private') invalid(`${what} must be a private KeyObject`);
  // Only rsaEncryption keys: the signature algorithm written is sha*WithRSAEncryption (PKCS#1 v1.5).
  if (key.asymmetricKeyType !== 'rsa') throw new PkiError('UNSUPPORTED_KEY', `${what} must be an RSA key`);
}

export function checkDigest(digest: SignatureDigest): Buffer {
  const algorithm = Object.prototype.hasOwnProperty.call(SIGNATURE_ALGORITHMS, digest) ? SIGNATURE_ALGORITHMS[digest] : undefined;
  return algorithm ?? invalid('digest must be sha256, sha384 or sha512');
}

// ---------------------------------------------------------------------------------------------
// Validity (RFC 5280 §4.1.2.5)

export function wholeSeconds(date: Date, what: string): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) invalid(`${what} must be a valid Date`);
  // Times are in whole seconds: RFC 5280 §4.1.2.5.1/.2 forbid fractional seconds.
  const truncated = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const year = truncated.getUTCFullYear();
  if (year < 1 || year > 9999) invalid(`${what} is out of range`);
  return truncated;
}

/** Validity ::= SEQUENCE { notBefore Time, notAfter Time }; UTCTime through 2049, GeneralizedTime from 2050. */
function validity(notBefore: Date, notAfter: Date): Buffer {
  const from = wholeSeconds(notBefore, 'notBefore');
  const to = wholeSeconds(notAfter, 'notAfter');
  if (to.getTime() <= from.getTime()) invalid('notAfter must be later than notBefore');
  return der.sequence(der.time(from), der.time(to));
}

// ---------------------------------------------------------------------------------------------
// Assembly and signature

interface TbsParts {
  readonly serial: Buffer;
  readonly signatureAlgorithm: Buffer;
  readonly issuerDer: Buffer;
  readonly validity: Buffer;
  readonly subjectDer: Buffer;
  readonly spkiDer: Buffer;
  readonly extensions: Buffer[];
}

/** TBSCertificate (RFC 5280 §4.1), with issuer, subject and key copied byte for byte. */
function encodeTbs(p: TbsParts): Buffer {
  return der.sequence(
    VERSION_V3,
    der.integerFromContent(p.serial),
    p.signatureAlgorithm,
    p.issuerDer,
    p.validity,
    p.subjectDer,
    p.spkiDer,
    // extensions [3] EXPLICIT Extensions
    der.tlv(der.contextTag(3, true), der.sequence(...p.extensions)),
  );
}

/**
 * Signs the TBSCertificate and wraps it (RFC 5280 §4.1.1). The signature is checked against the public
 * key relying parties will use (~20 µs): a key that does not belong to the issuer certificate must
 * fail here, not in every client that later sees the certificate.
 */
export function signCertificate(
  tbs: Buffer,
  digest: SignatureDigest,
  signatureAlgorithm: Buffer,
  signingKey: KeyObject,
  verifyKey: KeyObject,
): Buffer {
  const signature = sign(digest, tbs, signingKey);
  if (!verify(digest, tbs, verifyKey, signature)) invalid('the signing key does not match the issuer public key');
  return der.sequence(tbs, signatureAlgorithm, der.bitString(signature));
}

/**
 * Self-signed root: basicConstraints cA=TRUE (critical), keyUsage keyCertSign+cRLSign+digitalSignature (critical),
 * SKI (SHA-1 of the public key bits), AKI = SKI. PKCS#1 v1.5 signature.
 */
export function buildSelfSignedCaCertificate(req: CaCertificateRequest): Buffer {
  checkSerial(req.serial);
  const signatureAlgorithm = checkDigest(req.digest);
  checkSigningKey(req.keyPair?.privateKey, 'keyPair.privateKey');
  checkName(req.subjectDer, 'subjectDer');
  if (req.subjectDer.length === 2) invalid('a CA certificate needs a non-empty subject'); // RFC 5280 §4.1.2.6
  let spkiDer: Buffer;
  try {
    spkiDer = exportPublicKeySpki(req.keyPair.publicKey);
  } catch {
    invalid('keyPair.publicKey must be a public KeyObject');
  }
  const keyId = keyIdentifier(spkiDer, 'keyPair.publicKey');
  const tbs = encodeTbs({
    serial: req.serial,
    signatureAlgorithm,
    issuerDer: req.subjectDer,
    validity: validity(req.notBefore, req.notAfter),
    subjectDer: req.subjectDer,
    spkiDer,
    extensions: [
      ext.basicConstraints({}),
      ext.keyUsage(ext.keyUsageSet(['digitalSignature', 'keyCertSign', 'cRLSign'])),
      ext.subjectKeyIdentifier(keyId),
      // RFC 5280 §4.2.1.1 lets a self-signed root omit AKI; clients that build chains by key id like it present.
      ext.authorityKeyIdentifier(keyId),
    ],
  });
  return signCertificate(tbs, req.digest, signatureAlgorithm, req.keyPair.privateKey, req.keyPair.publicKey);
}

export interface IssueCertificateRequest {
  readonly issuer: CertificateInfo;
  readonly issuerKey: KeyObject;
  /** Exact subject Name DER to place in the certificate (copied from the CSR or built by policy). */
  readonly subjectDer: Buffer;
  /** Exact SubjectPublicKeyInfo DER of the subject key. */
  readonly subjectSpkiDer: Buffer;
  readonly serial: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly digest: SignatureDigest;
  /** keyUsage bits (critical). Empty = no keyUsage extension. */
  readonly keyUsage: readonly KeyUsageBit[];
  /** extendedKeyUsage OIDs (non-critical). Empty = none. */
  readonly extendedKeyUsage: readonly string[];
  /** subjectAltName extension value DER, already vetted by policy. */
  readonly subjectAltNameDer?: Buffer;
  /** CRL distribution point URLs (fullName URIs). */
  readonly crlDistributionPoints?: readonly string[];
  /** OCSP responder URLs written into authorityInfoAccess (RFC 5280 §4.2.2.1). */
  readonly ocspUrls?: readonly string[];
  /** A delegated OCSP responder's certificate: id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1). */
  readonly ocspNoCheck?: boolean;
  /** basicConstraints: always present (critical); cA=TRUE only when set, with optional pathLen. */
  readonly ca?: { pathLength?: number };
}

/** Builds and signs a certificate: SKI from the subject key, AKI from the issuer's SKI. Returns DER. */
export function issueCertificate(req: IssueCertificateRequest): Buffer {
  checkSerial(req.serial);
  const signatureAlgorithm = checkDigest(req.digest);
  checkSigningKey(req.issuerKey, 'issuerKey');
  if (!req.issuer?.isCA) invalid('the issuer certificate is not a CA certificate');
  checkName(req.subjectDer, 'subjectDer');
  const issuerDer = req.issuer.subjectDer;
  checkName(issuerDer, 'issuer.subjectDer');

  const usage = ext.keyUsageSet(req.keyUsage ?? []);
  // RFC 5280 §4.2.1.3/§4.2.1.9: keyCertSign only with cA=TRUE; pathLenConstraint only when keyCertSign may be used.
  if (usage.has('keyCertSign') && !req.ca) invalid('keyCertSign requires ca');
  if (req.ca?.pathLength !== undefined && usage.size > 0 && !usage.has('keyCertSign')) {
    invalid('pathLength requires keyCertSign in keyUsage');
  }

  // RFC 5280 §4.1.2.6 and §4.2.1.6: an empty subject needs a subjectAltName, and that SAN must be critical.
  const emptySubject = req.subjectDer.length === 2;
  if (req.subjectAltNameDer !== undefined) {
    try {
      decodeGeneralNames(req.subjectAltNameDer, 1024);
    } catch {
      invalid('subjectAltNameDer is not a valid GeneralNames');
    }
  } else if (emptySubject) {
    invalid('an empty subject requires a subjectAltName');
  }

  const extensions = [ext.basicConstraints(req.ca)];
  if (usage.size > 0) extensions.push(ext.keyUsage(usage));
  if (req.extendedKeyUsage?.length) extensions.push(ext.extKeyUsage(req.extendedKeyUsage));
  extensions.push(ext.subjectKeyIdentifier(keyIdentifier(req.subjectSpkiDer, 'subjectSpkiDer')));
  extensions.push(ext.authorityKeyIdentifier(req.issuer.subjectKeyIdentifier ?? keyIdentifier(req.issuer.spkiDer, 'issuer.spkiDer')));
  if (req.subjectAltNameDer !== undefined) extensions.push(ext.subjectAltName(req.subjectAltNameDer, emptySubject));
  if (req.crlDistributionPoints?.length) extensions.push(ext.crlDistributionPoints(req.crlDistributionPoints));
  if (req.ocspUrls?.length) extensions.push(ext.authorityInfoAccessOcsp(req.ocspUrls));
  if (req.ocspNoCheck) extensions.push(ext.ocspNoCheck());

  const tbs = encodeTbs({
    serial: req.serial,
    signatureAlgorithm,
    issuerDer,
    validity: validity(req.notBefore, req.notAfter),
    subjectDer: req.subjectDer,
    spkiDer: req.subjectSpkiDer,
    extensions,
  });
  return signCertificate(tbs, req.digest, signatureAlgorithm, req.issuerKey, req.issuer.publicKey);
}

/** 16 random octets as a positive INTEGER content (top bit cleared, first octet non-zero): 127+ bits of entropy. */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  // A zero first octet would make the DER INTEGER 15 octets long; redraw it (rejection keeps it uniform).
  while (serial[0] === 0) serial[0] = randomBytes(1)[0] & 0x7f;
  return serial;
}
