// OWNER: codec helper. scep-protocol.md §2.3: liberal decoding of GET PKIOperation `message=`.

/** Largest query value we decode (a 12 KB message is ≈ 16 K base64 characters, 3x that when fully %-escaped). */
const MAX_PARAM_CHARS = 256 * 1024;

/**
 * Finds `message=` in a raw query string (without form-decoding), percent-decodes, maps spaces to '+',
 * drops CR/LF/TAB, maps base64url to base64, re-pads and decodes strictly. Returns undefined when absent
 * or when the result is not a DER SEQUENCE (caller answers 400).
 *
 * Handles every sender of the §2.3 table: correct %-escaping (certmonger, Apple's tool), %0A line breaks
 * every 64 characters (sscep, Cisco IOS), raw '+' '/' with only '=' escaped (macOS), '+' turned into a space
 * by a form decoder (iOS 11 through a proxy), raw '+ / =' (jscep), base64url (micromdm scepclient < 2026).
 */
export function decodeGetMessageParam(rawQuery: string): Buffer | undefined {
  if (typeof rawQuery !== 'string') return undefined;
  // Accept a whole request target too ("/scep?operation=...&message=...").
  let query = rawQuery;
  const q = query.indexOf('?');
  if (q >= 0) query = query.slice(q + 1);
  const hash = query.indexOf('#');
  if (hash >= 0) query = query.slice(0, hash);

  // 1. Find message= by its raw name; URLSearchParams would turn '+' into a space.
  let raw: string | undefined;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const name = eq >= 0 ? pair.slice(0, eq) : pair;
    if (name.toLowerCase() === 'message') {
      raw = eq >= 0 ? pair.slice(eq + 1) : '';
      break;
    }
  }
  if (raw === undefined || raw.length === 0 || raw.length > MAX_PARAM_CHARS) return undefined;

  // 2. Percent-decode %XX only (no '+' -> space).
  const decoded = raw.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  // 3-5. Spaces back to '+', drop CR/LF/TAB, base64url to base64, drop padding (re-added below).
  const unpadded = decoded
    .replace(/ /g, '+')
    .replace(/[\r\n\t]/g, '')
    .replace(/-/g, '+')
    .replace(/_/g, '/');
  // Trailing '=' cut by hand: /=+$/ backtracks from every '=' of a run that is not at the end (quadratic: a 64 KiB
  // URL of '=' then 'A' blocked the event loop for seconds).
  let end = unpadded.length;
  while (end > 0 && unpadded.charCodeAt(end - 1) === 0x3d) end--;
  const b64 = unpadded.slice(0, end);
  // 6. Strict: only the base64 alphabet may remain, and the length must be a possible base64 length.
  if (b64.length === 0 || b64.length % 4 === 1 || !/^[A-Za-z0-9+/]+$/.test(b64)) return undefined;
  const der = Buffer.from(b64 + '='.repeat((4 - (b64.length % 4)) % 4), 'base64');
  if (der.length === 0 || der[0] !== 0x30) return undefined;
  return der;
}
