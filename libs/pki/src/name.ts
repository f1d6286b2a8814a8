// OWNER: pki helper. X.501 Name helpers.
// Strings follow RFC 4514 (LDAP DN string representation); the DER follows RFC 5280 §4.1.2.4.
import { TextDecoder } from 'node:util';
import { berBytes, berChildren, berOid, berStringOctets, readBerStrict, type BerNode } from './ber-walk';
import {
  decodeCharacterString,
  isCharacterStringTag,
  TAG_IA5_STRING,
  TAG_PRINTABLE_STRING,
  TAG_UTF8_STRING,
} from './directory-string';
import * as der from './der-writer';
import { PkiError } from './errors';
import { attributeTypeByName, attributeTypeByOid } from './name-attributes';

/** Generous bounds: a DN is configuration or display text, never bulk data. */
const MAX_DN_STRING_LENGTH = 16 * 1024;
const MAX_RDNS = 64;
const MAX_AVAS_PER_RDN = 16;

interface ParsedAva {
  readonly oid: string;
  /** Universal tag to encode `text` with; ignored when `der` is set. */
  readonly stringTag: number;
  readonly fixedLength?: number;
  readonly text?: string;
  /** The value from a `#hex` form (RFC 4514 §2.4): a complete BER/DER encoding, copied as is. */
  readonly der?: Buffer;
}

function malformed(message: string): never {
  throw new PkiError('MALFORMED_NAME', message);
}

const HEX = /^[0-9a-fA-F]$/;
const NUMERIC_OID = /^(?:oid\.)?([0-2](?:\.(?:0|[1-9][0-9]{0,14}))+)$/i;
const DESCR = /^[A-Za-z][A-Za-z0-9-]*$/;
/** PrintableString alphabet (X.680 §41.4). */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** RFC 4514 §3: characters that may only appear escaped in a value. */
const MUST_ESCAPE_IN_INPUT = new Set(['"', ';', '<', '>']);
/** RFC 4514 §3 `special`: what may follow a backslash (besides two hex digits). */
const ESCAPABLE = new Set(['"', '+', ',', ';', '<', '>', '\\', ' ', '#', '=']);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Recursive-descent parser over RFC 4514 §3's grammar, lenient only about spaces around separators. */
class DnParser {
  private pos = 0;

  constructor(private readonly s: string) {}

  parse(): ParsedAva[][] {
    const rdns: ParsedAva[][] = [];
    if (this.s.trim() === '') return rdns; // the empty DN (RFC 4514 §2.1)
    for (;;) {
      if (rdns.length >= MAX_RDNS) malformed('too many RDNs');
      rdns.push(this.rdn());
      if (this.pos >= this.s.length) return rdns;
      this.pos++; // the ',' that ended the RDN
    }
  }

  private rdn(): ParsedAva[] {
    const avas: ParsedAva[] = [];
    for (;;) {
      if (avas.length >= MAX_AVAS_PER_RDN) malformed('too many attributes in one RDN');
      avas.push(this.ava());
      if (this.s[this.pos] !== '+') return avas;
      this.pos++;
    }
  }

  private ava(): ParsedAva {
    const eq = this.s.indexOf('=', this.pos);
    if (eq < 0) malformed(`missing '=' at position ${this.pos}`);
    const typeText = this.s.slice(this.pos, eq).trim();
    if (/[,+]/.test(typeText)) malformed(`missing '=' at position ${this.pos}`);
    this.pos = eq + 1;
    const type = resolveType(typeText);
    while (this.s[this.pos] === ' ') this.pos++;
    if (this.s[this.pos] === '#') return { ...type, der: this.hexValue() };
    return { ...type, text: this.stringValue() };
  }

  /** `#` hexstring: the BER encoding of the value (RFC 4514 §2.4, §3). */
  private hexValue(): Buffer {
    const start = ++this.pos;
    while (this.pos < this.s.length && HEX.test(this.s[this.pos])) this.pos++;
    const hex = this.s.slice(start, this.pos);
    while (this.s[this.pos] === ' ') this.pos++;
    this.expectSeparatorOrEnd();
    if (hex.length === 0 || hex.length % 2 !== 0) malformed('invalid #hex value');
    const der = Buffer.from(hex, 'hex');
    try {
      readBerStrict(der);
    } catch {
      malformed('#hex value is not a single BER element');
    }
    return der;
  }

  /** `string`: UTF-8 text with `\special` and `\XX` escapes; unescaped spaces at either end are dropped. */
  private stringValue(): string {
    const bytes: number[] = [];
    let keep = 0; // bytes up to the last character that is not an unescaped trailing space
    for (;;) {
      if (this.pos >= this.s.length) break;
      const ch = this.s[this.pos];
      if (ch === ',' || ch === '+') break;
      if (ch === '\\') {
        const next = this.s[this.pos + 1];
        const next2 = this.s[this.pos + 2];
        if (next !== undefined && next2 !== undefined && HEX.test(next) && HEX.test(next2)) {
          bytes.push(parseInt(next + next2, 16));
          this.pos += 3;
        } else if (next !== undefined && ESCAPABLE.has(next)) {
          bytes.push(next.charCodeAt(0));
          this.pos += 2;
        } else {
          malformed(`invalid escape at position ${this.pos}`);
        }
        keep = bytes.length;
        continue;
      }
      if (MUST_ESCAPE_IN_INPUT.has(ch)) malformed(`unescaped '${ch}' at position ${this.pos}`);
      const cp = this.s.codePointAt(this.pos) as number;
      if (cp >= 0xd800 && cp <= 0xdfff) malformed('invalid UTF-16 in DN string');
      const encoded = Buffer.from(String.fromCodePoint(cp), 'utf8');
      for (const b of encoded) bytes.push(b);
      if (ch !== ' ') keep = bytes.length;
      this.pos += cp > 0xffff ? 2 : 1;
    }
    let text: string;
    try {
      text = strictUtf8.decode(Uint8Array.from(bytes.slice(0, keep)));
    } catch {
      malformed('escaped bytes are not valid UTF-8');
    }
    return text;
  }

  private expectSeparatorOrEnd(): void {
    const ch = this.s[this.pos];
    if (ch !== undefined && ch !== ',' && ch !== '+') malformed(`unexpected '${ch}' at position ${this.pos}`);
  }
}

function resolveType(typeText: string): Pick<ParsedAva, 'oid' | 'stringTag' | 'fixedLength'> {
  const numeric = NUMERIC_OID.exec(typeText);
  if (numeric) {
    const oid = numeric[1];
    const [first, second] = oid.split('.').map(Number);
    if (first < 2 && second >= 40) malformed(`invalid OID '${oid}'`);
    const known = attributeTypeByOid(oid);
    return known ? { oid, stringTag: known.stringTag, fixedLength: known.fixedLength } : { oid, stringTag: TAG_UTF8_STRING };
  }
  if (!DESCR.test(typeText)) malformed(`invalid attribute type '${typeText.slice(0, 64)}'`);
  const known = attributeTypeByName(typeText);
  if (!known) malformed(`unknown attribute type '${typeText.slice(0, 64)}'`);
  return { oid: known.oid, stringTag: known.stringTag, fixedLength: known.fixedLength };
}

function encodeValue(ava: ParsedAva): Buffer {
  if (ava.der) return ava.der;
  const text = ava.text ?? '';
  // RFC 5280 Appendix A: DirectoryString and the other value types are SIZE (1..MAX).
  if (text.length === 0) malformed('empty attribute value');
  if (CONTROL.test(text)) malformed('control character in attribute value');
  if (ava.fixedLength !== undefined && [...text].length !== ava.fixedLength) {
    malformed(`attribute ${ava.oid} must be ${ava.fixedLength} characters`);
  }
  switch (ava.stringTag) {
    case TAG_PRINTABLE_STRING:
      if (!PRINTABLE.test(text)) malformed(`attribute ${ava.oid} allows only PrintableString characters`);
      return der.asciiString(der.Tag.PRINTABLE_STRING, text);
    case TAG_IA5_STRING:
      if (!/^[\x20-\x7e]*$/.test(text)) malformed(`attribute ${ava.oid} allows only ASCII (IA5String)`);
      return der.asciiString(der.Tag.IA5_STRING, text);
    default:
      return der.utf8String(text);
  }
}

/** "CN=Example CA,O=Acme,C=US" (RFC 4514; also accepts ", " separators) to DER Name. UTF8String values, PrintableString for C. Throws PkiError MALFORMED_NAME. */
export function encodeDistinguishedName(dn: string): Buffer {
  if (typeof dn !== 'string') malformed('DN must be a string');
  if (dn.length > MAX_DN_STRING_LENGTH) malformed('DN string too long');
  const rdns = new DnParser(dn).parse();
  // RFC 4514 §2.1: the string lists the most specific RDN first; the RDNSequence starts at the root.
  // Each RDN is a SET OF AttributeTypeAndValue, which der.setOf sorts as DER requires (X.690 §11.6).
  const sets = rdns.reverse().map((avas) => der.setOf(avas.map((ava) => der.sequence(der.oid(ava.oid), encodeValue(ava)))));
  return der.sequence(...sets);
}

// ---------------------------------------------------------------------------------------------
// Formatting (RFC 4514 §2)

/** RFC 4514 §2.4 escaping, plus hex escapes for control characters so the output is safe in logs. */
function escapeValue(value: string): string {
  let out = '';
  const chars = [...value];
  chars.forEach((ch, i) => {
    const code = ch.codePointAt(0) as number;
    if (code < 0x20 || code === 0x7f) {
      out += '\\' + code.toString(16).padStart(2, '0').toUpperCase();
    } else if ('"+,;<>\\'.includes(ch)) {
      out += '\\' + ch;
    } else if ((i === 0 && (ch === ' ' || ch === '#')) || (i === chars.length - 1 && ch === ' ')) {
      out += '\\' + ch;
    } else {
      out += ch;
    }
  });
  return out;
}

function formatAva(ava: BerNode): string {
  const parts = berChildren(ava, 2);
  if (parts.length !== 2) malformed('invalid AttributeTypeAndValue');
  const oid = berOid(parts[0]);
  const type = attributeTypeByOid(oid);
  const value = parts[1];
  const text =
    type && value.tagClass === 0 && isCharacterStringTag(value.tagNumber)
      ? decodeCharacterString(value.tagNumber, berStringOctets(value), 'lenient')
      : undefined;
  if (type && text !== undefined) return `${type.name}=${escapeValue(text)}`;
  // RFC 4514 §2.4: a dotted type, or a value without a string form, is written as '#' + BER hex.
  return `${type ? type.name : oid}=#${berBytes(value).toString('hex').toUpperCase()}`;
}

/** DER Name to an RFC 4514 string (most specific RDN first, e.g. "CN=x,O=y"), for display. */
export function formatDistinguishedName(nameDer: Uint8Array): string {
  try {
    const der = nameDer instanceof Uint8Array ? nameDer : malformed('Name must be bytes');
    // Tags: 0x30 SEQUENCE (RDNSequence, AttributeTypeAndValue), 0x31 SET (RelativeDistinguishedName).
    const root = readBerStrict(der);
    if (root.tag !== 0x30) malformed('Name is not a SEQUENCE');
    const rdns = berChildren(root, MAX_RDNS).map((set) => {
      if (set.tag !== 0x31) malformed('RDN is not a SET');
      const avas = berChildren(set, MAX_AVAS_PER_RDN);
      if (avas.length === 0) malformed('empty RDN');
      return avas
        .map((ava) => {
          if (ava.tag !== 0x30) malformed('invalid AttributeTypeAndValue');
          return formatAva(ava);
        })
        .join('+');
    });
    return rdns.reverse().join(',');
  } catch (err) {
    if (err instanceof PkiError && err.code === 'MALFORMED_NAME') throw err;
    malformed('invalid Name encoding');
  }
}

/** One attribute of a Name string, most specific first (as written), type by its canonical name (or dotted OID). */
export interface DistinguishedNameAttribute {
  readonly type: string;
  /** The value's text, or `#` + BER hex for a value given in hex form. */
  readonly value: string;
}

/** Parses an RFC 4514 string into its attributes (multi-valued RDNs flattened), for policy rules over subjects. */
export function parseDistinguishedName(dn: string): DistinguishedNameAttribute[] {
  if (typeof dn !== 'string') malformed('DN must be a string');
  if (dn.length > MAX_DN_STRING_LENGTH) malformed('DN string too long');
  return new DnParser(dn).parse().flatMap((avas) =>
    avas.map((ava) => ({
      type: attributeTypeByOid(ava.oid)?.name ?? ava.oid,
      value: ava.text ?? `#${(ava.der as Buffer).toString('hex').toUpperCase()}`,
    })),
  );
}

/** The RFC 4514 string of attributes (most specific first), values escaped: the inverse of parseDistinguishedName. */
export function composeDistinguishedName(attributes: readonly DistinguishedNameAttribute[]): string {
  return attributes.map((a) => `${a.type}=${a.value.startsWith('#') ? a.value : escapeValue(a.value)}`).join(',');
}
