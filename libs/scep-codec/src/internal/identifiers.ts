// SignerIdentifier / RecipientIdentifier (RFC 5652 §5.3, §6.2.1): issuerAndSerialNumber or [0] subjectKeyIdentifier,
// and how they are matched against our certificates (scep-protocol.md §5.3 steps 3 and 6).
import { createHash } from 'node:crypto';
import { berBytes, berChildren, berIntegerBytes, berStringOctets, readBerStrict, derWriter } from '@scep/pki';
import type { BerNode, CertificateInfo } from '@scep/pki';
import { namesMatch } from './name-match';

const { integerFromContent, sequence } = derWriter;

export type CmsIdentifier =
  | { readonly kind: 'issuerAndSerialNumber'; readonly issuerDer: Buffer; readonly serial: Buffer }
  | { readonly kind: 'subjectKeyIdentifier'; readonly keyId: Buffer };

/** Reads a sid / rid CHOICE. Throws on anything else. */
export function readIdentifier(node: BerNode): CmsIdentifier {
  if (node.tag === 0x30) {
    const [issuer, serial] = berChildren(node, 2);
    if (!serial || issuer.tag !== 0x30) throw new TypeError('bad IssuerAndSerialNumber');
    return { kind: 'issuerAndSerialNumber', issuerDer: berBytes(issuer), serial: berIntegerBytes(serial) };
  }
  // [0] IMPLICIT SubjectKeyIdentifier: primitive, or constructed chunks in BER.
  if (node.tagClass === 0x80 && node.tagNumber === 0) return { kind: 'subjectKeyIdentifier', keyId: berStringOctets(node) };
  throw new TypeError('unsupported identifier');
}

/** INTEGER equality on content octets: leading 0x00 octets are not significant (a serial with the top bit set has one). */
export function serialsEqual(a: Uint8Array, b: Uint8Array): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length - 1 && a[i] === 0) i++;
  while (j < b.length - 1 && b[j] === 0) j++;
  return Buffer.compare(a.subarray(i), b.subarray(j)) === 0;
}

/** SHA-1 of the subjectPublicKey BIT STRING value (RFC 5280 §4.2.1.2 method 1), the fallback SKI. */
function publicKeySha1(cert: CertificateInfo): Buffer {
  if (cert.publicKeySha1) return cert.publicKeySha1;
  const [, bits] = berChildren(readBerStrict(cert.spkiDer), 2);
  return createHash('sha1').update(berStringOctets(bits).subarray(1)).digest();
}

export function identifierMatches(id: CmsIdentifier, cert: CertificateInfo): boolean {
  if (id.kind === 'issuerAndSerialNumber') {
    return serialsEqual(id.serial, cert.serialNumber) && namesMatch(id.issuerDer, cert.issuerDer);
  }
  if (cert.subjectKeyIdentifier && cert.subjectKeyIdentifier.equals(id.keyId)) return true;
  return publicKeySha1(cert).equals(id.keyId);
}

/** IssuerAndSerialNumber with the issuer Name and serial octets copied from the certificate (§7.2: never rebuilt). */
export function issuerAndSerialNumberOf(cert: CertificateInfo): Buffer {
  return sequence(cert.issuerDer, integerFromContent(cert.serialNumber));
}
