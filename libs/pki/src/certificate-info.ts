// OWNER: codec helper. Fast read of the fields SCEP and issuance need from an X.509 certificate.
// A direct walk with the lib's BER reader (≈ 10 µs) instead of pkijs schema matching or X509Certificate
// (≈ 130 µs, most of it OpenSSL's SPKI decoder). Lenient on purpose (scep-protocol.md §5.3 step 3): unknown
// critical extensions, a critical AKI (Windows self-signed signers), odd or random serials (Apple) and
// v1 certificates are all read; only the structure must be sound.
import { createHash, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { berBytes, berChildren, berContent, berIntegerBytes, berOid, berStringOctets, berTime, readBerStrict } from './ber-walk';
import type { GeneralNameInfo } from './csr';
import { PkiError } from './errors';
import { decodeGeneralNames } from './general-names';
import { formatDistinguishedName } from './name';
import { importSubjectPublicKey, readSubjectPublicKeyInfo } from './spki';

export interface CertificateInfo {
  /** The certificate's DER, exactly as received. */
  readonly der: Buffer;
  /** serialNumber INTEGER content octets exactly as encoded (may start with 0x00). */
  readonly serialNumber: Buffer;
  /** Upper-case hex of the serial as a positive integer, no leading zero octets, no separators. */
  readonly serialHex: string;
  /** Exact DER (TLV) of the issuer Name, copied from the certificate. */
  readonly issuerDer: Buffer;
  /** Exact DER (TLV) of the subject Name. */
  readonly subjectDer: Buffer;
  /** RFC 4514 string forms, for display and logs only (never for matching). */
  readonly issuer: string;
  readonly subject: string;
  /** SubjectKeyIdentifier extension value (the key identifier octets), when present. */
  readonly subjectKeyIdentifier?: Buffer;
  /** Exact DER of the SubjectPublicKeyInfo. */
  readonly spkiDer: Buffer;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** basicConstraints cA=TRUE. */
  readonly isCA: boolean;
  /** subject Name DER equals issuer Name DER. */
  readonly selfIssued: boolean;
  /** Public key algorithm OID of the SubjectPublicKeyInfo (e.g. 1.2.840.113549.1.1.1 rsaEncryption). */
  readonly publicKeyAlgorithmOid?: string;
  /** SHA-1 of the subjectPublicKey BIT STRING value: the RFC 5280 §4.2.1.2 method (1) key identifier. */
  readonly publicKeySha1?: Buffer;
  /** subjectAltName entries (RFC 5280 §4.2.1.6), decoded on first use; empty without the extension. */
  readonly subjectAltNames?: readonly GeneralNameInfo[];
}

const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
/** Names read from one certificate's subjectAltName at most (the CSR limit: what we could have issued). */
const MAX_CERTIFICATE_SANS = 100;

/** Parses a DER certificate leniently (critical AKI on Windows self-signed certs is fine). Throws PkiError MALFORMED_CERTIFICATE. */
export function readCertificate(der: Uint8Array): CertificateInfo {
  try {
    return parse(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  } catch (e) {
    if (e instanceof PkiError && e.code === 'MALFORMED_CERTIFICATE') throw e;
    throw new PkiError('MALFORMED_CERTIFICATE', 'not a readable X.509 certificate');
  }
}

function parse(buf: Buffer): CertificateInfo {
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1)
  const cert = readBerStrict(buf);
  if (cert.tag !== 0x30) throw bad();
  const top = berChildren(cert, 3);
  if (top.length !== 3 || top[0].tag !== 0x30) throw bad();
  const tbs = berChildren(top[0], 10);
  let i = 0;
  if (tbs[i]?.tag === 0xa0) i++; // version [0] EXPLICIT, absent for v1
  if (tbs.length < i + 6) throw bad();
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
  const [serialNode, , issuer, validity, subject, spki] = tbs.slice(i, i + 6);
  i += 6;
  if (issuer.tag !== 0x30 || subject.tag !== 0x30 || validity.tag !== 0x30 || spki.tag !== 0x30) throw bad();
  const serialNumber = Buffer.from(berIntegerBytes(serialNode));
  const [notBeforeNode, notAfterNode] = berChildren(validity, 2);
  if (!notAfterNode) throw bad();

  let subjectKeyIdentifier: Buffer | undefined;
  let subjectAltNameDer: Uint8Array | undefined;
  let isCA = false;
  for (; i < tbs.length; i++) {
    // issuerUniqueID [1], subjectUniqueID [2] are skipped; extensions [3] EXPLICIT SEQUENCE OF Extension.
    if (tbs[i].tag !== 0xa3) continue;
    const [extensions] = berChildren(tbs[i], 1);
    for (const ext of berChildren(extensions, 256)) {
      const parts = berChildren(ext, 3);
      const oid = berOid(parts[0]);
      const value = parts[parts.length - 1];
      if (value.tag !== 0x04) throw bad();
      if (oid === OID_SUBJECT_KEY_IDENTIFIER) {
        // SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING), RFC 5280 §4.2.1.2
        const inner = readBerStrict(berContent(value));
        subjectKeyIdentifier = Buffer.from(berStringOctets(inner));
      } else if (oid === OID_BASIC_CONSTRAINTS) {
        // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLen INTEGER OPTIONAL }, RFC 5280 §4.2.1.9
        const bc = readBerStrict(berContent(value));
        const first = berChildren(bc, 2)[0];
        isCA = first?.tag === 0x01 && berContent(first)[0] !== 0;
      } else if (oid === OID_SUBJECT_ALT_NAME) {
        subjectAltNameDer = berContent(value);
      }
    }
  }

  const spkiParts = readSubjectPublicKeyInfo(spki);
  const algorithmOid = spkiParts.algorithmOid;
  const subjectPublicKey = Buffer.from(spkiParts.subjectPublicKey);
  const spkiDer = Buffer.from(berBytes(spki));
  const issuerDer = Buffer.from(berBytes(issuer));
  const subjectDer = Buffer.from(berBytes(subject));
  const der = Buffer.from(buf);
  const info = {
    der,
    serialNumber,
    serialHex: serialToHex(serialNumber),
    issuerDer,
    subjectDer,
    ...(subjectKeyIdentifier ? { subjectKeyIdentifier } : {}),
    spkiDer,
    publicKey: importSubjectPublicKey(spkiDer, spkiParts),
    notBefore: berTime(notBeforeNode),
    notAfter: berTime(notAfterNode),
    isCA,
    selfIssued: issuerDer.equals(subjectDer),
    publicKeyAlgorithmOid: algorithmOid,
  };
  // Display names and the SHA-1 key id are computed on first use (most certificates on the hot path are only
  // matched and used for their key). Own enumerable getters, so spreading or comparing the object still sees them.
  let subjectText: string | undefined;
  let issuerText: string | undefined;
  let keySha1: Buffer | undefined;
  let sans: readonly GeneralNameInfo[] | undefined;
  return Object.defineProperties(info, {
    subjectAltNames: {
      enumerable: true,
      get: () => (sans ??= subjectAltNameDer ? decodeGeneralNames(subjectAltNameDer, MAX_CERTIFICATE_SANS) : []),
    },
    subject: { enumerable: true, get: () => (subjectText ??= displayName(subjectDer, der, 'subject')) },
    issuer: { enumerable: true, get: () => (issuerText ??= displayName(issuerDer, der, 'issuer')) },
    publicKeySha1: { enumerable: true, get: () => (keySha1 ??= createHash('sha1').update(subjectPublicKey).digest()) },
  }) as typeof info & { readonly subject: string; readonly issuer: string; readonly publicKeySha1: Buffer; readonly subjectAltNames: readonly GeneralNameInfo[] };
}

/** Serial as a positive integer in upper-case hex: leading zero octets dropped ("00" for zero). */
export function serialToHex(serial: Uint8Array): string {
  let start = 0;
  while (start < serial.length - 1 && serial[start] === 0) start++;
  return Buffer.from(serial.buffer, serial.byteOffset + start, serial.byteLength - start).toString('hex').toUpperCase();
}

function displayName(nameDer: Buffer, certDer: Buffer, which: 'subject' | 'issuer'): string {
  try {
    return formatDistinguishedName(nameDer);
  } catch {
    // Fallback for names the formatter rejects: OpenSSL's rendering (one RDN per line, root first), reversed.
    try {
      const x509 = new X509Certificate(certDer);
      return x509[which].split('\n').filter(Boolean).reverse().join(',');
    } catch {
      return `#${nameDer.toString('hex')}`;
    }
  }
}

function bad(): PkiError {
  return new PkiError('MALFORMED_CERTIFICATE', 'not a readable X.509 certificate');
}
