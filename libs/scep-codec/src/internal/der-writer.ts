// Minimal DER writer (X.690 §10) for the structures the codec emits. Writing bytes directly is both faster
// than building asn1js/pkijs objects and the only way to control the details clients check: primitive
// eContent, [0] IMPLICIT encryptedContent, short-form lengths, DER-sorted signedAttrs (scep-protocol.md §7.2).

/** Definite, minimal length octets. */
export function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with a low-number identifier octet (e.g. 0x30, 0x04, 0xA0, 0x80). */
export function tlv(tag: number, ...content: readonly Uint8Array[]): Buffer {
  const body = content.length === 1 ? content[0] : Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

export function sequence(...items: readonly Uint8Array[]): Buffer {
  return tlv(0x30, ...items);
}

/** SET OF in the given order: for `certificates`, whose order is meaningful to clients (never sorted, §7.2). */
export function setInOrder(...items: readonly Uint8Array[]): Buffer {
  return tlv(0x31, ...items);
}

/** X.690 §11.6 order: encodings compared as octet strings, the shorter one padded with trailing zero octets. */
export function compareDer(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = i < a.length ? a[i] : 0;
    const y = i < b.length ? b[i] : 0;
    if (x !== y) return x - y;
  }
  return 0;
}

/** The content octets of a DER SET OF: the encodings sorted (X.690 §11.6). */
export function sortedSetContent(items: readonly Uint8Array[]): Buffer {
  return Buffer.concat([...items].sort(compareDer));
}

export function sortedSet(items: readonly Uint8Array[]): Buffer {
  return tlv(0x31, sortedSetContent(items));
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER TLV from dotted form (X.690 §8.19). */
export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new Error(`bad OID ${dotted}`);
  const out: number[] = [];
  const push = (value: number): void => {
    const stack = [value & 0x7f];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) stack.unshift((v & 0x7f) | 0x80);
    out.push(...stack);
  };
  push(arcs[0] * 40 + arcs[1]);
  for (const a of arcs.slice(2)) push(a);
  const encoded = tlv(0x06, Buffer.from(out));
  oidCache.set(dotted, encoded);
  return encoded;
}

/** INTEGER TLV from a small non-negative number. */
export function smallInteger(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

/** INTEGER TLV around content octets copied from elsewhere (e.g. a certificate's serial, §7.2 "copy the bytes"). */
export function integerFromContent(content: Uint8Array): Buffer {
  return tlv(0x02, content);
}

export function octetString(value: Uint8Array): Buffer {
  return tlv(0x04, value);
}

export function printableString(value: string): Buffer {
  return tlv(0x13, Buffer.from(value, 'latin1'));
}

export function utf8String(value: string): Buffer {
  return tlv(0x0c, Buffer.from(value, 'utf8'));
}

export const DER_NULL = Buffer.from([0x05, 0x00]);

/** AlgorithmIdentifier with NULL parameters (the form Go, BouncyCastle and NDES write for digests and RSA). */
export function algorithmIdentifier(dotted: string, parameters: Uint8Array = DER_NULL): Buffer {
  return sequence(oid(dotted), parameters);
}

/** RFC 5652 §11.3 / RFC 5280 §4.1.2.5: UTCTime for 1950-2049, GeneralizedTime otherwise; whole seconds, 'Z'. */
export function time(date: Date): Buffer {
  const iso = new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const year = date.getUTCFullYear();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'latin1'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'latin1'));
}
