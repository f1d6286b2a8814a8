// PKCS#10 by hand (RFC 2986 §4): whatever subject, SANs and challenge a test wants, signed with the device key —
// in-process and fast, where spawning openssl per request would dominate a test's time.
import { type KeyObject, sign } from 'node:crypto';
import { derWriter } from '@scep/pki';

const { algorithmIdentifier, bitString, integer, octetString, oid, sequence, setOf, sortedSetContent, tlv } = derWriter;

const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const OID_CHALLENGE_PASSWORD = '1.2.840.113549.1.9.7';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/** Name with one UTF8String attribute per RDN (CN, O, CN, O, ...); values as given (any characters). */
export function nameOf(...values: string[]): Buffer {
  return sequence(...values.map((v, i) => setOf([sequence(oid(i % 2 === 0 ? OID_CN : OID_O), tlv(0x0c, Buffer.from(v, 'utf8')))])));
}

export interface CsrInput {
  readonly subjectDer: Buffer;
  readonly spkiDer: Buffer;
  readonly key: KeyObject;
  /** challengePassword as a UTF8String. */
  readonly challenge?: string;
  readonly dnsNames?: readonly string[];
  /** Attributes appended verbatim (complete Attribute encodings), e.g. padding. */
  readonly extraAttributes?: readonly Buffer[];
}

export function buildCsr(input: CsrInput): Buffer {
  const attributes: Buffer[] = [];
  if (input.challenge !== undefined) attributes.push(sequence(oid(OID_CHALLENGE_PASSWORD), setOf([tlv(0x0c, Buffer.from(input.challenge, 'utf8'))])));
  if (input.dnsNames?.length) {
    const generalNames = sequence(...input.dnsNames.map((d) => tlv(0x82, Buffer.from(d, 'latin1'))));
    const san = sequence(oid(OID_SUBJECT_ALT_NAME), octetString(generalNames));
    attributes.push(sequence(oid(OID_EXTENSION_REQUEST), setOf([sequence(san)])));
  }
  attributes.push(...(input.extraAttributes ?? []));
  const info = sequence(integer(0), input.subjectDer, input.spkiDer, tlv(0xa0, sortedSetContent(attributes)));
  const signature = sign('sha256', info, input.key);
  return sequence(info, algorithmIdentifier(OID_SHA256_WITH_RSA), bitString(signature));
}

