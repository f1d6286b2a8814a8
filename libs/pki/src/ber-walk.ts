// OWNER: codec helper. A small, allocation-light BER/DER reader (X.690) used on the hot paths instead of
// `asn1js.fromBER` (measured here: ≈ 340 µs to decode a 3 KB pkiMessage, because it decodes every nested
// value eagerly and tries to parse every OCTET/BIT STRING as ASN.1). This reader decodes a header in O(1)
// and children only on demand, keeps exact byte offsets (needed to echo transactionID and to verify the
// original signedAttrs encoding) and accepts BER: indefinite lengths, constructed strings, non-minimal lengths.
// Re-exported by der.ts (index.ts re-exports der.ts), so other libs import it from @scep/pki.
import { PkiError } from './errors';

/** Deepest nesting accepted (X.509 certificates need about 10 levels; BER chunking a few more). */
export const BER_MAX_DEPTH = 48;

/** One decoded TLV. Offsets index `buf`; content is `buf[contentStart, contentEnd)`, the whole TLV `buf[start, end)`. */
export interface BerNode {
  readonly buf: Buffer;
  /** Tag class bits (0x00 universal, 0x40 application, 0x80 context, 0xC0 private). */
  readonly tagClass: number;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /**
   * The identifier octet for low tag numbers (< 31), e.g. 0x30 SEQUENCE, 0x04 OCTET STRING, 0x24 constructed
   * OCTET STRING, 0xA0 [0] constructed, 0x80 [0] primitive; -1 for high tag numbers.
   */
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  /** For indefinite lengths: the offset of the end-of-contents octets. */
  readonly contentEnd: number;
  /** Offset just after the TLV (after the end-of-contents octets when indefinite). */
  readonly end: number;
  readonly indefinite: boolean;
  readonly depth: number;
}

function malformed(message: string): PkiError {
  return new PkiError('MALFORMED_DER', message);
}

/**
 * Decodes the TLV starting at `offset`, which must end at or before `limit`. Definite lengths are O(1);
 * indefinite lengths walk the children to find the end-of-contents octets. Throws PkiError MALFORMED_DER.
 */
export function readBer(buf: Buffer, offset = 0, limit = buf.length, depth = 0): BerNode {
  if (depth > BER_MAX_DEPTH) throw malformed('ASN.1 nesting too deep');
  let pos = offset;
  if (pos >= limit) throw malformed('truncated ASN.1 identifier');
  const first = buf[pos++];
  const tagClass = first & 0xc0;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  let tag = first;
  if (tagNumber === 0x1f) {
    // High tag number form (X.690 §8.1.2.4): base-128, at most 4 octets here (no SCEP structure uses one).
    tagNumber = 0;
    tag = -1;
    for (let i = 0; ; i++) {
      if (pos >= limit || i >= 4) throw malformed('bad ASN.1 tag');
      const b = buf[pos++];
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (pos >= limit) throw malformed('truncated ASN.1 length');
  const lenByte = buf[pos++];
  if (lenByte === 0x80) {
    // Indefinite form (X.690 §8.1.3.6): constructed only, ends with 00 00.
    if (!constructed) throw malformed('indefinite length on a primitive value');
    const contentStart = pos;
    for (;;) {
      if (pos + 2 > limit) throw malformed('missing end-of-contents');
      if (buf[pos] === 0 && buf[pos + 1] === 0) break;
      pos = readBer(buf, pos, limit, depth + 1).end;
    }
    return { buf, tagClass, constructed, tagNumber, tag, start: offset, contentStart, contentEnd: pos, end: pos + 2, indefinite: true, depth };
  }
  let length: number;
  if (lenByte < 0x80) {
    length = lenByte;
  } else {
    const n = lenByte & 0x7f;
    if (n > 4 || n === 0x7f) throw malformed('unsupported ASN.1 length');
    if (pos + n > limit) throw malformed('truncated ASN.1 length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[pos++];
  }
  const contentEnd = pos + length;
  if (contentEnd > limit) throw malformed('ASN.1 value longer than its container');
  return { buf, tagClass, constructed, tagNumber, tag, start: offset, contentStart: pos, contentEnd, end: contentEnd, indefinite: false, depth };
}

/** Decodes a buffer that must hold exactly one TLV (trailing bytes are an error). */
export function readBerStrict(bytes: Uint8Array): BerNode {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const node = readBer(buf, 0, buf.length, 0);
  if (node.end !== buf.length) throw malformed('trailing bytes after ASN.1 value');
  return node;
}

/** The children of a constructed value, in order. At most `max` (extra children are an error). */
export function berChildren(node: BerNode, max = 1024): BerNode[] {
  if (!node.constructed) throw malformed('expected a constructed ASN.1 value');
  const out: BerNode[] = [];
  let pos = node.contentStart;
  while (pos < node.contentEnd) {
    if (out.length >= max) throw malformed('too many ASN.1 elements');
    const child = readBer(node.buf, pos, node.contentEnd, node.depth + 1);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** The exact bytes of the whole TLV (a view, not a copy). */
export function berBytes(node: BerNode): Buffer {
  return node.buf.subarray(node.start, node.end);
}

/** The content octets of a primitive value (a view). */
export function berContent(node: BerNode): Buffer {
  if (node.constructed) throw malformed('expected a primitive ASN.1 value');
  return node.buf.subarray(node.contentStart, node.contentEnd);
}

/**
 * The octets of a string value, primitive or constructed (BER chunks, X.690 §8.7.3, concatenated in order).
 * Used for OCTET STRING, BIT STRING content and character strings.
 */
export function berStringOctets(node: BerNode): Buffer {
  if (!node.constructed) return berContent(node);
  const parts: Buffer[] = [];
  collectChunks(node, parts);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

function collectChunks(node: BerNode, parts: Buffer[]): void {
  for (const child of berChildren(node, 1 << 16)) {
    if (child.tagClass !== 0) throw malformed('bad chunk in a constructed string');
    if (child.constructed) collectChunks(child, parts);
    else parts.push(berContent(child));
  }
}

/** Requires the identifier octet `tag` (low tag numbers only); returns the node for chaining. */
export function expectTag(node: BerNode, tag: number, what: string): BerNode {
  if (node.tag !== tag) throw malformed(`unexpected ASN.1 tag for ${what}`);
  return node;
}

const oidCache = new Map<string, string>();

/** Dotted form of an OBJECT IDENTIFIER (X.690 §8.19). */
export function berOid(node: BerNode): string {
  if (node.tag !== 0x06) throw malformed('expected an OBJECT IDENTIFIER');
  const c = berContent(node);
  if (c.length === 0 || c.length > 64) throw malformed('bad OBJECT IDENTIFIER');
  const key = c.toString('latin1');
  const cached = oidCache.get(key);
  if (cached !== undefined) return cached;
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < c.length; i++) {
    value = value * 128 + (c[i] & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw malformed('OBJECT IDENTIFIER arc too large');
    if ((c[i] & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    } else if (i === c.length - 1) {
      throw malformed('truncated OBJECT IDENTIFIER');
    }
  }
  const dotted = arcs.join('.');
  if (oidCache.size < 4096) oidCache.set(key, dotted);
  return dotted;
}

/** INTEGER content octets as encoded (two's complement, may start with 0x00). */
export function berIntegerBytes(node: BerNode): Buffer {
  if (node.tag !== 0x02) throw malformed('expected an INTEGER');
  const c = berContent(node);
  if (c.length === 0) throw malformed('empty INTEGER');
  return c;
}

/** A small non-negative INTEGER (versions, counts). */
export function berSmallInteger(node: BerNode): number {
  const c = berIntegerBytes(node);
  if (c.length > 4 || (c[0] & 0x80) !== 0) throw malformed('INTEGER out of range');
  let v = 0;
  for (const b of c) v = v * 256 + b;
  return v;
}

/** UTCTime (0x17) or GeneralizedTime (0x18) to a Date (RFC 5280 §4.1.2.5 forms, plus BER offsets/fractions). */
export function berTime(node: BerNode): Date {
  const text = berStringOctets(node).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  let rest: string;
  if (node.tag === 0x17) {
    m = /^(\d{2})(\d{8}(?:\d{2})?)(.*)$/.exec(text);
    if (!m) throw malformed('bad UTCTime');
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy; // RFC 5280 §4.1.2.5.1
    rest = m[2] + m[3];
  } else if (node.tag === 0x18) {
    m = /^(\d{4})(.*)$/.exec(text);
    if (!m) throw malformed('bad GeneralizedTime');
    year = Number(m[1]);
    rest = m[2];
  } else {
    throw malformed('expected a time value');
  }
  const t = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,](\d{1,9}))?(Z|[+-]\d{4})?$/.exec(rest);
  if (!t) throw malformed('bad time value');
  const ms = t[6] ? Math.round(Number(`0.${t[6]}`) * 1000) : 0;
  let epoch = Date.UTC(year, Number(t[1]) - 1, Number(t[2]), Number(t[3]), Number(t[4]), Number(t[5] ?? '0'), ms);
  if (t[7] && t[7] !== 'Z') {
    const sign = t[7][0] === '+' ? 1 : -1;
    epoch -= sign * (Number(t[7].slice(1, 3)) * 60 + Number(t[7].slice(3, 5))) * 60_000;
  }
  if (!Number.isFinite(epoch)) throw malformed('bad time value');
  return new Date(epoch);
}

/** Decodes a character string value to text (PrintableString, IA5, UTF8, Teletex/T61 as Latin-1, BMP, Universal, Visible, Numeric). */
export function berText(node: BerNode): string {
  if (node.tagClass !== 0) throw malformed('expected a character string');
  const octets = berStringOctets(node);
  switch (node.tagNumber) {
    case 12: // UTF8String
      return octets.toString('utf8');
    case 18: // NumericString
    case 19: // PrintableString
    case 22: // IA5String
    case 26: // VisibleString
      return octets.toString('latin1');
    case 20: // TeletexString: treated as Latin-1 like most implementations
    case 21:
      return octets.toString('latin1');
    case 30: {
      // BMPString: UTF-16BE
      if (octets.length % 2 !== 0) throw malformed('bad BMPString');
      const swapped = Buffer.from(octets);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    case 28: {
      // UniversalString: UTF-32BE
      if (octets.length % 4 !== 0) throw malformed('bad UniversalString');
      let s = '';
      for (let i = 0; i < octets.length; i += 4) {
        const codePoint = octets.readUInt32BE(i);
        // String.fromCodePoint throws RangeError above U+10FFFF: a PkiError like every other bad value (pki fuzz test).
        if (codePoint > 0x10ffff) throw malformed('bad UniversalString');
        s += String.fromCodePoint(codePoint);
      }
      return s;
    }
    default:
      throw malformed('expected a character string');
  }
}
