// OWNER: codec helper. messageData bodies other than PKCS#10 (RFC 8894 §3.3.3, §3.3.4).
import { berBytes, berChildren, berIntegerBytes, readBerStrict, derWriter } from '@scep/pki';
import { codecError, guard } from './internal/fail';

const { integerFromContent, sequence } = derWriter;

export interface IssuerAndSubject {
  readonly issuerDer: Buffer;
  readonly subjectDer: Buffer;
}

export interface IssuerAndSerialNumber {
  readonly issuerDer: Buffer;
  /** INTEGER content octets. */
  readonly serialNumber: Buffer;
}

/**
 * IssuerAndSubject ::= SEQUENCE { issuer Name, subject Name } (RFC 8894 §3.3.3, CertPoll). The Names are returned
 * as carried; Apple puts the RA's subject in `issuer`, so callers look polls up by transactionID (§6.3).
 * Throws ScepCodecError MESSAGE_DATA.
 */
export function parseIssuerAndSubject(der: Uint8Array): IssuerAndSubject {
  return guard('MESSAGE_DATA', 'messageData is not an IssuerAndSubject', () => {
    const node = readBerStrict(der);
    const [issuer, subject, extra] = berChildren(node, 3);
    if (node.tag !== 0x30 || issuer?.tag !== 0x30 || subject?.tag !== 0x30 || extra) {
      throw codecError('MESSAGE_DATA', 'messageData is not an IssuerAndSubject');
    }
    return { issuerDer: Buffer.from(berBytes(issuer)), subjectDer: Buffer.from(berBytes(subject)) };
  });
}

/**
 * IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber INTEGER } (RFC 5652 §10.2.4; GetCert / GetCRL,
 * RFC 8894 §3.3.4). Throws ScepCodecError MESSAGE_DATA.
 */
export function parseIssuerAndSerialNumber(der: Uint8Array): IssuerAndSerialNumber {
  return guard('MESSAGE_DATA', 'messageData is not an IssuerAndSerialNumber', () => {
    const node = readBerStrict(der);
    const [issuer, serial, extra] = berChildren(node, 3);
    if (node.tag !== 0x30 || issuer?.tag !== 0x30 || !serial || extra) {
      throw codecError('MESSAGE_DATA', 'messageData is not an IssuerAndSerialNumber');
    }
    return { issuerDer: Buffer.from(berBytes(issuer)), serialNumber: Buffer.from(berIntegerBytes(serial)) };
  });
}

/** DER IssuerAndSubject from the two Names as given (bytes copied, never rebuilt). */
export function encodeIssuerAndSubject(value: IssuerAndSubject): Buffer {
  return sequence(value.issuerDer, value.subjectDer);
}

/** DER IssuerAndSerialNumber (GetCert / GetCRL bodies, RFC 8894 §3.3.4): issuer Name bytes and serial octets as given. */
export function encodeIssuerAndSerialNumber(value: IssuerAndSerialNumber): Buffer {
  return sequence(value.issuerDer, integerFromContent(value.serialNumber));
}
