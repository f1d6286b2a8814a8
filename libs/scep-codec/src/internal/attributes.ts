// CMS attributes (RFC 5652 §5.3 Attribute ::= SEQUENCE { attrType OID, attrValues SET OF AttributeValue }):
// reading the signedAttrs of a request, writing the DER-sorted SET of a reply (scep-protocol.md §7.2).
import { berChildren, berOid, derWriter } from '@scep/pki';
import type { BerNode } from '@scep/pki';

const { oid, sequence, setInOrder, sortedSetContent, tlv } = derWriter;

/** Attribute type -> its values. Duplicate types are refused (RFC 5652 §5.3: ambiguity is an attack surface). */
export function readAttributes(setNode: BerNode, maxAttributes: number): Map<string, BerNode[]> {
  const out = new Map<string, BerNode[]>();
  for (const attribute of berChildren(setNode, maxAttributes)) {
    if (attribute.tag !== 0x30) throw new TypeError('Attribute is not a SEQUENCE');
    const [type, values] = berChildren(attribute, 2);
    if (values?.tag !== 0x31) throw new TypeError('bad attrValues');
    const key = berOid(type);
    if (out.has(key)) throw new TypeError('duplicate attribute');
    out.set(key, berChildren(values, 8));
  }
  return out;
}

/** The single value of an attribute, undefined when absent; several values are refused. */
export function singleValue(attributes: Map<string, BerNode[]>, type: string): BerNode | undefined {
  const values = attributes.get(type);
  if (!values) return undefined;
  if (values.length !== 1) throw new TypeError('attribute must have exactly one value');
  return values[0];
}

/** Attribute with one value (the value's complete TLV). */
export function attribute(type: string, valueTlv: Uint8Array): Buffer {
  return sequence(oid(type), setInOrder(valueTlv));
}

/** signedAttrs content octets: the attribute encodings in DER SET OF order (X.690 §11.6). */
export function signedAttributesContent(attributes: readonly Uint8Array[]): Buffer {
  return sortedSetContent(attributes);
}

/** RFC 5652 §5.4: the signature input is the SET OF with its universal tag; the SignerInfo carries the same octets under [0]. */
export function signedAttributesEncodings(content: Buffer): { toSign: Buffer; embedded: Buffer } {
  return { toSign: tlv(0x31, content), embedded: tlv(0xa0, content) };
}
