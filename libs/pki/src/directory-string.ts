// Internal: decoding of X.520 DirectoryString and the other ASN.1 character string types
// (X.680 §41) as they appear in Names and in the PKCS#9 challengePassword (RFC 2985 §5.4.1).
import { TextDecoder } from 'node:util';

/** Universal tag numbers of the character string types (X.680 §8.4). */
export const TAG_UTF8_STRING = 12;
export const TAG_NUMERIC_STRING = 18;
export const TAG_PRINTABLE_STRING = 19;
export const TAG_TELETEX_STRING = 20;
export const TAG_IA5_STRING = 22;
export const TAG_VISIBLE_STRING = 26;
export const TAG_UNIVERSAL_STRING = 28;
export const TAG_BMP_STRING = 30;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * `strict`: invalid contents make the result undefined (for values that are compared, like a challenge).
 * `lenient`: invalid sequences become U+FFFD (for display only).
 */
export type DecodeMode = 'strict' | 'lenient';

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return false;
  return true;
}

function decodeUtf8(bytes: Uint8Array, mode: DecodeMode): string | undefined {
  if (mode === 'lenient') return lenientUtf8.decode(bytes);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The 7-bit types (Printable, IA5, Visible, Numeric). Clients are sloppy here — some put UTF-8 or
 * Latin-1 into a PrintableString — so accept the bytes as the client meant them: ASCII, else
 * UTF-8 when it is valid UTF-8, else Latin-1. Nothing is rejected for its character set: which
 * characters a profile accepts is policy, not parsing.
 */
function decodeSevenBit(bytes: Uint8Array): string {
  if (isAscii(bytes)) return Buffer.from(bytes).toString('latin1');
  return decodeUtf8(bytes, 'strict') ?? Buffer.from(bytes).toString('latin1');
}

/** BMPString is UCS-2/UTF-16 big-endian (X.680 §41.16). */
function decodeBmp(bytes: Uint8Array, mode: DecodeMode): string | undefined {
  const even = bytes.length & ~1;
  if (even !== bytes.length && mode === 'strict') return undefined;
  const swapped = Buffer.allocUnsafe(even);
  for (let i = 0; i < even; i += 2) {
    swapped[i] = bytes[i + 1];
    swapped[i + 1] = bytes[i];
  }
  const text = swapped.toString('utf16le');
  if (mode === 'strict' && LONE_SURROGATE.test(text)) return undefined;
  return mode === 'strict' ? text : text.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

/** UniversalString is UCS-4/UTF-32 big-endian (X.680 §41.16). */
function decodeUniversal(bytes: Uint8Array, mode: DecodeMode): string | undefined {
  if (bytes.length % 4 !== 0 && mode === 'strict') return undefined;
  let out = '';
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    const cp = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      if (mode === 'strict') return undefined;
      out += '\uFFFD';
    } else {
      out += String.fromCodePoint(cp);
    }
  }
  return out;
}

const CHARACTER_STRING_TAGS = new Set([
  TAG_UTF8_STRING,
  TAG_NUMERIC_STRING,
  TAG_PRINTABLE_STRING,
  TAG_TELETEX_STRING,
  TAG_IA5_STRING,
  TAG_VISIBLE_STRING,
  TAG_UNIVERSAL_STRING,
  TAG_BMP_STRING,
]);

/** Whether a universal tag number is one of the character string types decoded here. */
export function isCharacterStringTag(tagNumber: number): boolean {
  return CHARACTER_STRING_TAGS.has(tagNumber);
}

/**
 * Decodes the contents of a character string with the given universal tag number.
 * Returns undefined for a tag that is not a supported character string type, or for invalid
 * contents in strict mode.
 */
export function decodeCharacterString(tagNumber: number, bytes: Uint8Array, mode: DecodeMode): string | undefined {
  switch (tagNumber) {
    case TAG_UTF8_STRING:
      return decodeUtf8(bytes, mode);
    case TAG_PRINTABLE_STRING:
    case TAG_IA5_STRING:
    case TAG_VISIBLE_STRING:
    case TAG_NUMERIC_STRING:
      return decodeSevenBit(bytes);
    case TAG_TELETEX_STRING:
      // T.61 proper is a stateful multi-byte code nobody implements; in practice (OpenSSL, Windows,
      // Java) TeletexString carries Latin-1, so read it as Latin-1.
      return Buffer.from(bytes).toString('latin1');
    case TAG_BMP_STRING:
      return decodeBmp(bytes, mode);
    case TAG_UNIVERSAL_STRING:
      return decodeUniversal(bytes, mode);
    default:
      return undefined;
  }
}
