// Internal: decoding of GeneralNames (RFC 5280 §4.2.1.6) from a subjectAltName extension value.
import { berBytes, berChildren, berStringOctets, readBerStrict } from './ber-walk';
import type { GeneralNameInfo } from './csr';
import { PkiError } from './errors';

const CONTEXT_SPECIFIC = 0x80;
// GeneralName CHOICE tags (RFC 5280 §4.2.1.6).
const RFC822_NAME = 1;
const DNS_NAME = 2;
const URI = 6;
const IP_ADDRESS = 7;
/** otherName, x400Address, directoryName, ediPartyName, registeredID: reported as their DER. */
const OPAQUE_TAGS = new Set([0, 3, 4, 5, 8]);

/**
 * IA5String names must be ASCII. Control characters are refused as well: a NUL or newline inside a
 * dNSName is the classic way to make two components disagree about what a certificate names.
 */
function ia5(bytes: Uint8Array): string {
  for (const b of bytes) {
    if (b < 0x20 || b > 0x7e) throw new PkiError('MALFORMED_DER', 'invalid character in an IA5String name');
  }
  return Buffer.from(bytes).toString('latin1');
}

/** RFC 5952 §4 text form: lower case, no leading zeros, the longest run (>= 2) of zero groups as "::". */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length === 16) return formatIpv6(bytes);
  // RFC 5280 §4.2.1.6: 4 octets for IPv4, 16 for IPv6 (address+mask forms are for name constraints only).
  throw new PkiError('MALFORMED_DER', 'invalid iPAddress length');
}

/** Decodes a GeneralNames SEQUENCE (the subjectAltName extension value). Throws PkiError MALFORMED_DER. */
export function decodeGeneralNames(der: Uint8Array, maxNames: number): GeneralNameInfo[] {
  const root = readBerStrict(der);
  if (root.tag !== 0x30) throw new PkiError('MALFORMED_DER', 'GeneralNames is not a SEQUENCE');
  const names = berChildren(root, maxNames);
  // GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
  if (names.length === 0) throw new PkiError('MALFORMED_DER', 'empty GeneralNames');
  return names.map((name): GeneralNameInfo => {
    if (name.tagClass !== CONTEXT_SPECIFIC) throw new PkiError('MALFORMED_DER', 'invalid GeneralName tag');
    switch (name.tagNumber) {
      case RFC822_NAME:
        return { type: 'email', value: ia5(berStringOctets(name)) };
      case DNS_NAME:
        return { type: 'dns', value: ia5(berStringOctets(name)) };
      case URI:
        return { type: 'uri', value: ia5(berStringOctets(name)) };
      case IP_ADDRESS:
        return { type: 'ip', value: formatIp(berStringOctets(name)) };
      default:
        if (!OPAQUE_TAGS.has(name.tagNumber)) throw new PkiError('MALFORMED_DER', 'invalid GeneralName tag');
        return { type: 'other', tag: name.tagNumber, der: Buffer.from(berBytes(name)) };
    }
  });
}
