// Internal: a minimal DER writer (X.690 §10, §8) for the structures this lib emits: certificates and Names.
// Why not asn1js here: building a certificate from asn1js nodes cost ≈ 300 µs of CPU per certificate on
// this machine (each node object costs 5–10 µs to construct and encode), more than the RSA-2048 signature
// itself; writing the same bytes directly costs ≈ 30 µs. The reading side stays with asn1js/pkijs and
// ber-walk. der-writer.spec.ts checks every encoder against asn1js' output.

/** Universal tags (X.680 §8.4) with the constructed bit where DER requires it. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Identifier octet of a context-specific tag [n] (n < 31). */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** Definite length octets, minimal form (X.690 §10.1). */
function lengthOctets(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV whose contents are the concatenation of `parts`. */
export function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  let length = 0;
  for (const p of parts) length += p.length;
  const header = lengthOctets(length);
  const out = Buffer.allocUnsafe(1 + header.length + length);
  out[0] = tag;
  header.copy(out, 1);
  let pos = 1 + header.length;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export function sequence(...parts: Uint8Array[]): Buffer {
  return tlv(Tag.SEQUENCE, ...parts);
}

/** SET OF: DER orders the member encodings (X.690 §11.6). */
export function setOf(members: Uint8Array[]): Buffer {
  const sorted = [...members].sort((a, b) => Buffer.compare(a, b));
  return tlv(Tag.SET, ...sorted);
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(Tag.OCTET_STRING, bytes);
}

export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return tlv(Tag.BIT_STRING, Buffer.from([unusedBits]), bytes);
}

const TRUE = Buffer.from([Tag.BOOLEAN, 1, 0xff]);
/** BOOLEAN TRUE; DER writes 0xFF (X.690 §11.1). FALSE is only ever a DEFAULT here, hence omitted. */
export function booleanTrue(): Buffer {
  return TRUE;
}

/** INTEGER from a non-negative JS integer, minimal two's complement (X.690 §8.3). */
export function integer(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('integer must be a non-negative safe integer');
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || bytes[0] & 0x80) bytes.unshift(0);
  return tlv(Tag.INTEGER, Buffer.from(bytes));
}

/** INTEGER from content octets the caller has already made minimal and positive. */
export function integerFromContent(content: Uint8Array): Buffer {
  return tlv(Tag.INTEGER, content);
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from dotted form (X.690 §8.19); the caller validates the syntax. */
export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [];
  const push = (value: number) => {
    const chunk = [value % 128];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v % 128) | 0x80);
    out.push(...chunk);
  };
  push(arcs[0] * 40 + arcs[1]);
  for (const arc of arcs.slice(2)) push(arc);
  const encoded = tlv(Tag.OID, Buffer.from(out));
  if (oidCache.size < 1024) oidCache.set(dotted, encoded);
  return encoded;
}

export function utf8String(text: string): Buffer {
  return tlv(Tag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/** PrintableString / IA5String: the caller has checked the alphabet, so each character is one octet. */
export function asciiString(tag: number, text: string): Buffer {
  return tlv(tag, Buffer.from(text, 'latin1'));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Time per RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) for 1950–2049, GeneralizedTime (YYYYMMDDHHMMSSZ)
 * otherwise; always UTC, whole seconds (the caller truncates).
 */
export function time(date: Date): Buffer {
  const y = date.getUTCFullYear();
  const rest = `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return y >= 1950 && y <= 2049
    ? tlv(Tag.UTC_TIME, Buffer.from(`${pad(y % 100)}${rest}`, 'latin1'))
    : tlv(Tag.GENERALIZED_TIME, Buffer.from(`${pad(y, 4)}${rest}`, 'latin1'));
}
