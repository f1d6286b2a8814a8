// OWNER: pki helper. PKCS#10 reading.
// The request arrives from the network (inside a decrypted pkiMessage, RFC 8894 §3.3.1), so everything
// here treats it as hostile: bounded sizes, no exception other than PkiError, and exact bytes kept for
// the parts that are copied into certificates or compared later.
import type { KeyObject } from 'node:crypto';
import { type BerNode, berBytes, berChildren, berContent, berOid, berStringOctets, readBerStrict } from './ber-walk';
import { verifyWithAlgorithm } from './csr-signature';
import { decodeCharacterString, isCharacterStringTag } from './directory-string';
import { PkiError } from './errors';
import { decodeGeneralNames } from './general-names';
import { describePublicKey } from './keys';
import { formatDistinguishedName } from './name';
import * as oids from './oids';
import { importSubjectPublicKey, readSubjectPublicKeyInfo, type SubjectPublicKeyParts } from './spki';

export type GeneralNameInfo =
  | { type: 'dns'; value: string }
  | { type: 'email'; value: string }
  | { type: 'uri'; value: string }
  | { type: 'ip'; value: string }
  | { type: 'other'; tag: number; der: Buffer };

export interface RequestedExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** extnValue OCTET STRING content (the DER of the extension's own value). */
  readonly value: Buffer;
}

export interface CsrInfo {
  readonly der: Buffer;
  /** Exact DER of the subject Name. */
  readonly subjectDer: Buffer;
  readonly subject: string;
  readonly spkiDer: Buffer;
  readonly publicKey: KeyObject;
  readonly keyAlgorithm: 'rsa' | 'ec' | 'other';
  /** RSA modulus bits, EC curve bits. */
  readonly keySize: number;
  /** challengePassword decoded from PrintableString, UTF8String, IA5String, TeletexString, BMPString or UniversalString. */
  readonly challengePassword?: string;
  readonly subjectAltNames: readonly GeneralNameInfo[];
  /** The subjectAltName extension value DER as requested (for copying into the certificate). */
  readonly subjectAltNameDer?: Buffer;
  readonly requestedExtensions: readonly RequestedExtension[];
  readonly signatureAlgorithmOid: string;
  /** The CSR's self-signature verified against its own public key. */
  readonly signatureValid: boolean;
}

/** Input bounds (RFC 8894 §3 leaves them to the server; scep-protocol.md §13 "Input limits"). */
export const CSR_LIMITS = {
  maxBytes: 64 * 1024,
  maxAttributes: 32,
  maxExtensions: 64,
  maxSubjectAltNames: 256,
} as const;

function malformed(message: string): never {
  throw new PkiError('MALFORMED_CSR', message);
}

/** PKCS#9 challengePassword (RFC 2985 §5.4.1): a single-valued DirectoryString, no length bound enforced. */
function decodeChallenge(values: readonly BerNode[]): string {
  if (values.length !== 1) malformed('challengePassword must have exactly one value');
  const node = values[0] as BerNode;
  const text =
    node.tagClass === 0 && isCharacterStringTag(node.tagNumber)
      ? decodeCharacterString(node.tagNumber, berStringOctets(node), 'strict')
      : undefined;
  if (text === undefined) malformed('challengePassword is not a supported string');
  return text;
}

/** Extensions ::= SEQUENCE OF Extension (RFC 5280 §4.1), as carried in extensionRequest (RFC 2985 §5.4.2). */
function decodeExtensions(values: readonly BerNode[], into: RequestedExtension[]): void {
  if (values.length !== 1) malformed('extensionRequest must have exactly one value');
  const root = values[0] as BerNode;
  if (root.tag !== 0x30) malformed('extensionRequest is not a SEQUENCE');
  for (const ext of berChildren(root, CSR_LIMITS.maxExtensions)) {
    if (ext.tag !== 0x30) malformed('invalid Extension');
    const parts = berChildren(ext, 3);
    if (parts.length < 2) malformed('invalid Extension');
    const oid = berOid(parts[0]);
    let critical = false;
    if (parts.length === 3) {
      const flag = parts[1];
      if (flag.tag !== 0x01 || flag.contentEnd - flag.contentStart !== 1) malformed('invalid Extension');
      critical = berContent(flag)[0] !== 0;
    }
    const valueTlv = parts[parts.length - 1];
    // OCTET STRING, primitive (0x04) or, in BER, constructed (0x24)
    if (valueTlv.tagClass !== 0 || valueTlv.tagNumber !== 4) malformed('invalid Extension');
    // Two values for one extension would let a policy check read one and the issuer copy the other.
    if (into.some((e) => e.oid === oid)) malformed('duplicate requested extension');
    if (into.length >= CSR_LIMITS.maxExtensions) malformed('too many requested extensions');
    into.push({ oid, critical, value: Buffer.from(berStringOctets(valueTlv)) });
  }
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE { OID, params }, subjectPublicKey BIT STRING } */
function spkiAlgorithmOid(spkiDer: Buffer): string {
  return berOid(berChildren(berChildren(readBerStrict(spkiDer), 2)[0], 2)[0]);
}

function importPublicKey(spkiDer: Buffer): KeyObject {
  // The parts feed the RSA fast path (PKCS#1 import, spki.ts); an SPKI the BER reader will not split that way
  // (a constructed or partial-octet BIT STRING, extra fields) is left to OpenSSL's SPKI decoder as before.
  let parts: SubjectPublicKeyParts | undefined;
  try {
    parts = readSubjectPublicKeyInfo(readBerStrict(spkiDer));
  } catch {
    parts = undefined;
  }
  try {
    return importSubjectPublicKey(spkiDer, parts);
  } catch {
    // An rsaEncryption key OpenSSL cannot read is broken; any other key may just be an algorithm we lack.
    if (spkiAlgorithmOid(spkiDer) === oids.OID_RSA_ENCRYPTION) malformed('invalid RSA public key');
    throw new PkiError('UNSUPPORTED_KEY', 'unsupported public key algorithm in CSR');
  }
}

/** The signature BIT STRING's bytes; undefined when it has unused bits or a constructed (BER) form. */
function signatureBytes(node: BerNode): Buffer | undefined {
  if (node.tag !== 0x03) return undefined;
  const content = berContent(node);
  if (content.length < 2 || content[0] !== 0) return undefined;
  return content.subarray(1);
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } (RFC 5280 §4.1.1.2). */
function algorithmOf(node: BerNode): { oid: string; parameters?: Buffer } {
  if (node.tag !== 0x30) malformed('invalid signatureAlgorithm');
  const [oidNode, parameters, ...rest] = berChildren(node, 3);
  if (!oidNode || rest.length > 0) malformed('invalid signatureAlgorithm');
  return { oid: berOid(oidNode), ...(parameters && parameters.tag !== 0x05 ? { parameters: berBytes(parameters) } : {}) };
}

/**
 * CertificationRequest (RFC 2986 §4): walked with the BER reader, which keeps the exact bytes of every part — the
 * signature covers the CertificationRequestInfo as the client encoded it, and the subject and key are copied as
 * they came. (pkijs' schema matching did the same at about ten times the cost.)
 */
function parse(der: Buffer): CsrInfo {
  const root = readBerStrict(der);
  if (root.tag !== 0x30) malformed('not a PKCS#10 CertificationRequest');
  const [info, signatureAlgorithmNode, signatureNode, ...extra] = berChildren(root, 4);
  if (!info || !signatureAlgorithmNode || !signatureNode || extra.length > 0 || info.tag !== 0x30) malformed('not a PKCS#10 CertificationRequest');
  // CertificationRequestInfo ::= SEQUENCE { version INTEGER, subject Name, subjectPKInfo, attributes [0] IMPLICIT SET OF Attribute }
  const [version, subjectNode, spkiNode, attributesNode, ...infoExtra] = berChildren(info, 5);
  if (!version || version.tag !== 0x02 || !subjectNode || subjectNode.tag !== 0x30 || !spkiNode || spkiNode.tag !== 0x30 || infoExtra.length > 0) {
    malformed('invalid CertificationRequestInfo');
  }
  if (attributesNode && attributesNode.tag !== 0xa0) malformed('invalid CSR attributes');

  const subjectDer = berBytes(subjectNode);
  let subject: string;
  try {
    subject = formatDistinguishedName(subjectDer);
  } catch {
    malformed('invalid subject Name');
  }

  const spkiDer = berBytes(spkiNode);
  const publicKey = importPublicKey(spkiDer);
  const { keyAlgorithm, keySize } = describePublicKey(publicKey);

  const attributes = attributesNode ? berChildren(attributesNode, CSR_LIMITS.maxAttributes + 1) : [];
  if (attributes.length > CSR_LIMITS.maxAttributes) malformed('too many attributes');
  let challengePassword: string | undefined;
  let sawChallenge = false;
  const requestedExtensions: RequestedExtension[] = [];
  const seenExtensionAttributes = new Set<string>();
  for (const attribute of attributes) {
    // Attribute ::= SEQUENCE { type OID, values SET OF AttributeValue } (RFC 2986 §4.1)
    if (attribute.tag !== 0x30) malformed('invalid CSR attribute');
    const [typeNode, valuesNode, ...attributeExtra] = berChildren(attribute, 3);
    if (!typeNode || !valuesNode || valuesNode.tag !== 0x31 || attributeExtra.length > 0) malformed('invalid CSR attribute');
    const type = berOid(typeNode);
    switch (type) {
      case oids.OID_CHALLENGE_PASSWORD:
        // PKCS#9 makes it single-valued; two copies would be ambiguous about which one was checked.
        if (sawChallenge) malformed('duplicate challengePassword');
        sawChallenge = true;
        challengePassword = decodeChallenge(berChildren(valuesNode, 2));
        break;
      case oids.OID_EXTENSION_REQUEST:
      case oids.OID_MS_EXTENSION_REQUEST:
        if (seenExtensionAttributes.has(type)) malformed('duplicate extensionRequest');
        seenExtensionAttributes.add(type);
        decodeExtensions(berChildren(valuesNode, 2), requestedExtensions);
        break;
      default:
        // Other attributes (cryptlib's randomNonce, Microsoft's enrollment data) carry nothing we use.
        break;
    }
  }

  const san = requestedExtensions.find((e) => e.oid === oids.OID_SUBJECT_ALT_NAME);
  const subjectAltNames = san ? decodeGeneralNames(san.value, CSR_LIMITS.maxSubjectAltNames) : [];

  const signatureAlgorithm = algorithmOf(signatureAlgorithmNode);
  const signature = signatureBytes(signatureNode);
  // The signature covers the CertificationRequestInfo exactly as the client encoded it (RFC 2986 §4.2).
  const signatureValid = signature !== undefined && verifyWithAlgorithm(signatureAlgorithm, berBytes(info), signature, publicKey);

  return {
    der,
    subjectDer,
    subject,
    spkiDer,
    publicKey,
    keyAlgorithm,
    keySize,
    ...(challengePassword !== undefined ? { challengePassword } : {}),
    subjectAltNames,
    ...(san ? { subjectAltNameDer: san.value } : {}),
    requestedExtensions,
    signatureAlgorithmOid: signatureAlgorithm.oid,
    signatureValid,
  };
}

/** Parses (BER tolerated) and verifies a PKCS#10 request. Throws PkiError MALFORMED_CSR when unparseable; a bad signature is reported by signatureValid=false. */
export function parseCsr(der: Uint8Array): CsrInfo {
  if (!(der instanceof Uint8Array) || der.length === 0) malformed('empty PKCS#10 request');
  if (der.length > CSR_LIMITS.maxBytes) malformed('PKCS#10 request too large');
  // A private copy: the result must not change if the caller reuses its buffer.
  const copy = Buffer.from(der);
  try {
    return parse(copy);
  } catch (err) {
    if (err instanceof PkiError && (err.code === 'MALFORMED_CSR' || err.code === 'UNSUPPORTED_KEY')) throw err;
    // The BER reader and the key import throw their own errors (or plain Error) on hostile input.
    malformed('invalid PKCS#10 request');
  }
}
