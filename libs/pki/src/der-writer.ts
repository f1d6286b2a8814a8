// A minimal DER writer (X.690 §8, §10, §11) for the structures the platform emits: certificates and Names
// here, CMS SignedData / EnvelopedData in @scep/codec. The only DER writer in the repository; exported from
// index.ts as the namespace `derWriter` (its names are too generic to sit flat beside the rest of @scep/pki).
// Why not asn1js: building a certificate from asn1js nodes cost ≈ 300 µs of CPU per certificate on this
// machine (each node object costs 5–10 µs to construct and encode), more than the RSA-2048 signature itself;
// writing the same bytes directly costs ≈ 30 µs. It also gives the codec control of the details SCEP clients
// check: primitive eContent, [0] IMPLICIT encryptedContent, short-form lengths, DER-sorted signedAttrs
// (scep-protocol.md §7.2). The reading side stays with ber-walk (and asn1js/pkijs for PKCS#10).
// der-writer.spec.ts checks every encoder byte for byte against asn1js and openssl.
//
// Every function returns a new Buffer except oid() (cached per OID), booleanTrue() and DER_NULL: those are
// shared, so treat results as read-only (tlv() and the constructors copy their inputs, so nesting is safe).
// Invalid input is a programming error here and throws RangeError; callers validate untrusted values first.

/** Universal tags (X.680 §8.4) with the constructed bit where DER requires it. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
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
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError('context tag number must be 0..30');
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** Definite length octets, minimal form (X.690 §10.1, §8.1.3): short form below 128, else 0x80|n + n octets. */
export function derLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('length must be a non-negative integer');
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/**
 * One TLV with a single identifier octet (low tag number form, X.690 §8.1.2.2: e.g. 0x30, 0x04, 0xA0, 0x80)
 * whose contents are the concatenation of `parts`.
 */
export function tlv(tag: number, ...parts: readonly Uint8Array[]): Buffer {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) throw new RangeError('tag must be one identifier octet');
  let length = 0;
  for (const p of parts) length += p.length;
  const header = derLength(length);
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

export function sequence(...parts: readonly Uint8Array[]): Buffer {
  return tlv(Tag.SEQUENCE, ...parts);
}

/**
 * X.690 §11.6 order of SET OF components: encodings compared as octet strings, the shorter one padded at
 * its trailing end with 0-octets. Negative, zero or positive, like a sort comparator.
 */
export function compareDer(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  const common = Buffer.compare(a.subarray(0, n), b.subarray(0, n));
  if (common !== 0 || a.length === b.length) return common;
  // One is a prefix of the other: the longer is greater unless its tail is all zero (equal once padded).
  const longer = a.length > b.length ? a : b;
  for (let i = n; i < longer.length; i++) if (longer[i] !== 0) return longer === a ? 1 : -1;
  return 0;
}

/** The content octets of a DER SET OF: the member encodings in §11.6 order. */
export function sortedSetContent(members: readonly Uint8Array[]): Buffer {
  return Buffer.concat([...members].sort(compareDer));
}

/** SET OF as DER requires it: members ordered by encoding (X.690 §11.6). */
export function setOf(members: readonly Uint8Array[]): Buffer {
  return tlv(Tag.SET, ...[...members].sort(compareDer));
}

/**
 * SET (OF) with the members in the given order. Only for a single member, or where the order is meaningful
 * and DER is not required: CMS `certificates` in SCEP replies keep the issued certificate first (§7.2).
 */
export function setInOrder(...members: readonly Uint8Array[]): Buffer {
  return tlv(Tag.SET, ...members);
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(Tag.OCTET_STRING, bytes);
}

/** BIT STRING (X.690 §8.6); DER requires the unused trailing bits to be zero (§11.2.1), which is the caller's job. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (unusedBits > 0 && bytes.length === 0)) {
    throw new RangeError('unusedBits must be 0..7, and 0 for an empty BIT STRING');
  }
  return tlv(Tag.BIT_STRING, Buffer.from([unusedBits]), bytes);
}

const TRUE = Buffer.from([Tag.BOOLEAN, 1, 0xff]);
/** BOOLEAN TRUE; DER writes 0xFF (X.690 §11.1). FALSE is only ever a DEFAULT here, hence omitted (§11.5). */
export function booleanTrue(): Buffer {
  return TRUE;
}

/** NULL (X.690 §8.8): `05 00`. Shared; do not modify. */
export const DER_NULL: Buffer = Buffer.from([Tag.NULL, 0x00]);

/** INTEGER from a non-negative JS integer, minimal two's complement (X.690 §8.3.2). */
export function integer(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('integer must be a non-negative safe integer');
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || bytes[0] & 0x80) bytes.unshift(0);
  return tlv(Tag.INTEGER, Buffer.from(bytes));
}

/**
 * INTEGER around content octets the caller has already made minimal (or copies byte for byte from another
 * structure, e.g. a certificate's serialNumber in IssuerAndSerialNumber, scep-protocol.md §7.2).
 */
export function integerFromContent(content: Uint8Array): Buffer {
  if (content.length === 0) throw new RangeError('INTEGER content must not be empty');
  return tlv(Tag.INTEGER, content);
}

const OID_SYNTAX = /^[0-2](?:\.(?:0|[1-9][0-9]{0,14}))+$/;

/**
 * Dotted OBJECT IDENTIFIER syntax the writer accepts: at least two arcs, decimal without leading zeros, each
 * below 10^15 (so arithmetic stays exact), first arc 0–2 and second arc ≤ 39 under 0 and 1 (X.660 §A.2).
 */
export function isValidOid(dotted: string): boolean {
  if (typeof dotted !== 'string' || !OID_SYNTAX.test(dotted)) return false;
  const [first, second] = dotted.split('.').map(Number);
  return first === 2 || second < 40;
}

const oidCache = new Map<string, Buffer>();
const OID_CACHE_MAX = 1024;

/** OBJECT IDENTIFIER from dotted form (X.690 §8.19). Cached and shared: do not modify the result. */
export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  if (!isValidOid(dotted)) throw new RangeError(`invalid OBJECT IDENTIFIER '${String(dotted)}'`);
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [];
  const push = (value: number) => {
    // Base 128, most significant group first, bit 8 set on all but the last octet (§8.19.2).
    const chunk = [value % 128];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v % 128) | 0x80);
    out.push(...chunk);
  };
  push(arcs[0] * 40 + arcs[1]); // §8.19.4
  for (const arc of arcs.slice(2)) push(arc);
  const encoded = tlv(Tag.OID, Buffer.from(out));
  // Bounded: Names and extKeyUsage can carry caller-chosen OIDs.
  if (oidCache.size < OID_CACHE_MAX) oidCache.set(dotted, encoded);
  return encoded;
}

/** AlgorithmIdentifier (RFC 5280 §4.1.1.2); parameters default to NULL, as Go, BouncyCastle and NDES write for digests and RSA. */
export function algorithmIdentifier(dotted: string, parameters: Uint8Array = DER_NULL): Buffer {
  return sequence(oid(dotted), parameters);
}

export function utf8String(text: string): Buffer {
  return tlv(Tag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/** The PrintableString alphabet (X.680 §41.4, Table 10). */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** PrintableString; throws RangeError for characters outside its alphabet. */
export function printableString(text: string): Buffer {
  if (!PRINTABLE.test(text)) throw new RangeError('not a PrintableString');
  return tlv(Tag.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

/** PrintableString / IA5String: the caller has checked the alphabet, so each character is one octet. */
export function asciiString(tag: number, text: string): Buffer {
  return tlv(tag, Buffer.from(text, 'latin1'));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Time per RFC 5280 §4.1.2.5 and RFC 5652 §11.3: UTCTime (YYMMDDHHMMSSZ) for 1950–2049, GeneralizedTime
 * (YYYYMMDDHHMMSSZ) otherwise; always UTC ('Z'), whole seconds (fractions are dropped: the time is floored
 * to its second, never rounded up), so both are also the DER forms of X.690 §11.7–11.8. Years 0000–9999.
 */
export function time(date: Date): Buffer {
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(ms)) throw new RangeError('time needs a valid Date');
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError('time year must be 0000..9999');
  const rest = `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return y >= 1950 && y <= 2049
    ? tlv(Tag.UTC_TIME, Buffer.from(`${pad(y % 100)}${rest}`, 'latin1'))
    : tlv(Tag.GENERALIZED_TIME, Buffer.from(`${pad(y, 4)}${rest}`, 'latin1'));
}

/**
 * GeneralizedTime (YYYYMMDDHHMMSSZ) whatever the year: what OCSP writes for every time (RFC 6960 §4.2.1 uses
 * GeneralizedTime only), in the DER form of X.690 §11.7 (UTC, whole seconds, no fraction).
 */
export function generalizedTime(date: Date): Buffer {
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(ms)) throw new RangeError('time needs a valid Date');
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError('time year must be 0000..9999');
  const text = `${pad(y, 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(text, 'latin1'));
}
