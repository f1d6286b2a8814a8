import { isIPv4, isIPv6 } from 'node:net';
import type { ChallengeRejection } from '@scep/contracts';
import { parseDistinguishedName } from '@scep/pki';

export interface SubjectAltName {
  readonly type: string;
  readonly value: string;
}

export interface SubjectBinding {
  readonly expectedSubject: string | null;
  readonly expectedSans: readonly SubjectAltName[] | null;
}

/**
 * The subject as a multiset of type=value pairs: an MDM writes "CN=x,O=y" whatever order the device encodes its
 * RDNs in (openssl puts CN first, the RFC 4514 rendering lists the most specific last-encoded RDN first).
 */
function subjectKey(dn: string): string | undefined {
  try {
    return parseDistinguishedName(dn)
      .map((a) => `${a.type}=${a.value}`)
      .sort()
      .join('\u0000');
  } catch {
    return undefined;
  }
}

/**
 * Checks a CSR against what a one-time challenge was minted for: the subject must have exactly the expected
 * attributes (values exact, RDN order free) and, when SANs were named, exactly those SANs (as a set: no more, no
 * fewer). A binding without SANs leaves them to the profile's rules.
 */
export function bindingMismatch(binding: SubjectBinding, csr: { subject: string; subjectAltNames: readonly SubjectAltName[] }): ChallengeRejection | undefined {
  if (binding.expectedSubject !== null) {
    const expected = subjectKey(binding.expectedSubject);
    if (expected === undefined || expected !== subjectKey(csr.subject)) return 'subject-mismatch';
  }
  if (binding.expectedSans?.length) {
    const present = new Set(csr.subjectAltNames.map(sanKey));
    const expected = new Set(binding.expectedSans.map(sanKey));
    if (present.size !== expected.size || ![...expected].every((key) => present.has(key))) return 'san-mismatch';
  }
  return undefined;
}

/** Comparison form of a SAN: DNS names and e-mail domains are case-insensitive, IP addresses compare by value. */
export function sanKey(san: SubjectAltName): string {
  switch (san.type) {
    case 'dns':
      return `dns:${san.value.toLowerCase().replace(/\.$/, '')}`;
    case 'email': {
      const at = san.value.lastIndexOf('@');
      return at === -1 ? `email:${san.value}` : `email:${san.value.slice(0, at)}@${san.value.slice(at + 1).toLowerCase()}`;
    }
    case 'ip':
      return `ip:${canonicalIp(san.value)}`;
    default:
      return `${san.type}:${san.value}`;
  }
}

function canonicalIp(value: string): string {
  if (isIPv4(value)) return value;
  if (isIPv6(value)) return new URL(`http://[${value}]/`).hostname; // WHATWG URL compresses IPv6 canonically
  return value;
}
