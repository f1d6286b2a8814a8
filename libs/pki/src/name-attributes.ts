// Internal: the X.520 / RFC 4519 attribute types that Name strings may use, and how each value is encoded.
import { TAG_IA5_STRING, TAG_PRINTABLE_STRING, TAG_UTF8_STRING } from './directory-string';

export interface NameAttributeType {
  /** The name printed by formatDistinguishedName (RFC 4514 §3 names where defined, OpenSSL's otherwise). */
  readonly name: string;
  readonly oid: string;
  /** Universal tag of the string type written by encodeDistinguishedName. */
  readonly stringTag: number;
  /** Exact length in characters, where the ASN.1 definition fixes it. */
  readonly fixedLength?: number;
}

const TYPES: readonly NameAttributeType[] = [
  // RFC 5280 §4.1.2.4 / Appendix A: DirectoryString values are encoded as UTF8String (MUST for new certs).
  { name: 'CN', oid: '2.5.4.3', stringTag: TAG_UTF8_STRING },
  { name: 'SN', oid: '2.5.4.4', stringTag: TAG_UTF8_STRING }, // surname (RFC 4519 §2.32)
  { name: 'serialNumber', oid: '2.5.4.5', stringTag: TAG_PRINTABLE_STRING }, // X520SerialNumber ::= PrintableString
  { name: 'C', oid: '2.5.4.6', stringTag: TAG_PRINTABLE_STRING, fixedLength: 2 }, // X520countryName ::= PrintableString (SIZE (2))
  { name: 'L', oid: '2.5.4.7', stringTag: TAG_UTF8_STRING },
  { name: 'ST', oid: '2.5.4.8', stringTag: TAG_UTF8_STRING },
  { name: 'STREET', oid: '2.5.4.9', stringTag: TAG_UTF8_STRING },
  { name: 'O', oid: '2.5.4.10', stringTag: TAG_UTF8_STRING },
  { name: 'OU', oid: '2.5.4.11', stringTag: TAG_UTF8_STRING },
  { name: 'title', oid: '2.5.4.12', stringTag: TAG_UTF8_STRING },
  { name: 'postalCode', oid: '2.5.4.17', stringTag: TAG_UTF8_STRING },
  { name: 'GN', oid: '2.5.4.42', stringTag: TAG_UTF8_STRING }, // givenName
  { name: 'initials', oid: '2.5.4.43', stringTag: TAG_UTF8_STRING },
  { name: 'dnQualifier', oid: '2.5.4.46', stringTag: TAG_PRINTABLE_STRING }, // X520dnQualifier ::= PrintableString
  { name: 'pseudonym', oid: '2.5.4.65', stringTag: TAG_UTF8_STRING },
  { name: 'organizationIdentifier', oid: '2.5.4.97', stringTag: TAG_UTF8_STRING },
  // RFC 4519 §2.4 and RFC 5280 Appendix A: domainComponent ::= IA5String.
  { name: 'DC', oid: '0.9.2342.19200300.100.1.25', stringTag: TAG_IA5_STRING },
  { name: 'UID', oid: '0.9.2342.19200300.100.1.1', stringTag: TAG_UTF8_STRING },
  // RFC 5280 Appendix A: EmailAddress ::= IA5String (legacy; new certs put e-mail in the SAN).
  { name: 'emailAddress', oid: '1.2.840.113549.1.9.1', stringTag: TAG_IA5_STRING },
];

/** Extra spellings accepted on input (Windows writes E and S; OpenSSL accepts these too). */
const ALIASES: Readonly<Record<string, string>> = {
  e: 'emailAddress',
  email: 'emailAddress',
  s: 'ST',
  givenname: 'GN',
  surname: 'SN',
  commonname: 'CN',
  countryname: 'C',
  localityname: 'L',
  stateorprovincename: 'ST',
  organizationname: 'O',
  organizationalunitname: 'OU',
  domaincomponent: 'DC',
  userid: 'UID',
};

const byLowerName = new Map<string, NameAttributeType>();
const byOid = new Map<string, NameAttributeType>();
for (const t of TYPES) {
  byLowerName.set(t.name.toLowerCase(), t);
  byOid.set(t.oid, t);
}
for (const [alias, target] of Object.entries(ALIASES)) {
  const t = byLowerName.get(target.toLowerCase());
  if (t) byLowerName.set(alias, t);
}

/** Looks up a type by its (case-insensitive) name or alias. */
export function attributeTypeByName(name: string): NameAttributeType | undefined {
  return byLowerName.get(name.toLowerCase());
}

export function attributeTypeByOid(oid: string): NameAttributeType | undefined {
  return byOid.get(oid);
}
