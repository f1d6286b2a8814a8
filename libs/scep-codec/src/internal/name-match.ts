// Issuer Name comparison for signer / recipient lookup when the DER bytes differ (scep-protocol.md §5.3
// step 3: "DER bytes first, then normalized RDN compare"). A simplified RFC 5280 §7.1 / RFC 4518 match:
// same RDN sequence, same attribute types, string values equal after trimming, collapsing inner spaces
// and case folding, whatever the string type (PrintableString vs UTF8String re-encodings are the usual case).
import { berBytes, berChildren, berOid, berText, readBerStrict } from '@scep/pki';
import type { BerNode } from '@scep/pki';

function normalizeValue(node: BerNode): string {
  try {
    return 's:' + berText(node).normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  } catch {
    return 'b:' + berBytes(node).toString('hex');
  }
}

function normalizeName(der: Uint8Array): string[] {
  const name = readBerStrict(der);
  if (name.tag !== 0x30) throw new TypeError('not a Name');
  return berChildren(name, 64).map((rdn) =>
    berChildren(rdn, 16)
      .map((atv) => {
        const [type, value] = berChildren(atv, 2);
        return `${berOid(type)}=${normalizeValue(value)}`;
      })
      .sort()
      .join('+'),
  );
}

/** True when both Names match byte for byte, or after normalization. Unparseable names never match. */
export function namesMatch(a: Uint8Array, b: Uint8Array): boolean {
  if (Buffer.compare(a, b) === 0) return true;
  try {
    const x = normalizeName(a);
    const y = normalizeName(b);
    return x.length === y.length && x.every((rdn, i) => rdn === y[i]);
  } catch {
    return false;
  }
}
