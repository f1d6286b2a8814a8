// SignerInfo (RFC 5652 §5.3) as read from a pkiMessage or a CertRep.
import { berChildren, berOid, berSmallInteger, berStringOctets } from '@scep/pki';
import type { BerNode } from '@scep/pki';
import { readIdentifier } from './identifiers';
import type { CmsIdentifier } from './identifiers';

export interface SignerInfoParts {
  readonly version: number;
  readonly sid: CmsIdentifier;
  readonly digestAlgorithmOid: string;
  /** The [0] IMPLICIT signedAttrs node, original encoding (RFC 5652 §5.4: the signature covers it with tag 0x31). */
  readonly signedAttrs?: BerNode;
  readonly signatureAlgorithmOid: string;
  /** signatureAlgorithm parameters (RSASSA-PSS-params for RSASSA-PSS), when present and not NULL. */
  readonly signatureAlgorithmParams?: BerNode;
  readonly signature: Buffer;
}

/** SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, [0] signedAttrs OPTIONAL, signatureAlgorithm, signature, [1] unsignedAttrs OPTIONAL } */
export function readSignerInfo(node: BerNode): SignerInfoParts {
  if (node.tag !== 0x30) throw new TypeError('SignerInfo is not a SEQUENCE');
  const parts = berChildren(node, 7);
  let i = 0;
  const version = berSmallInteger(parts[i++]);
  const sid = readIdentifier(parts[i++]);
  const digestAlgorithmOid = berOid(berChildren(parts[i++], 2)[0]);
  let signedAttrs: BerNode | undefined;
  if (parts[i]?.tag === 0xa0) signedAttrs = parts[i++];
  const [signatureAlgorithmNode, signatureAlgorithmParams] = berChildren(parts[i++], 2);
  const signatureAlgorithmOid = berOid(signatureAlgorithmNode);
  const signatureNode = parts[i++];
  if (signatureNode?.tag !== 0x04 && signatureNode?.tag !== 0x24) throw new TypeError('bad signature');
  if (i < parts.length && parts[i].tag !== 0xa1) throw new TypeError('bad SignerInfo');
  return {
    version,
    sid,
    digestAlgorithmOid,
    signedAttrs,
    signatureAlgorithmOid,
    ...(signatureAlgorithmParams && signatureAlgorithmParams.tag !== 0x05 ? { signatureAlgorithmParams } : {}),
    signature: berStringOctets(signatureNode),
  };
}
