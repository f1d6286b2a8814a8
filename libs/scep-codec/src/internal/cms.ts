// Reading CMS ContentInfo / SignedData (RFC 5652 §3, §5.1) with the BER walker, tolerant of BER
// (indefinite lengths, constructed eContent) as Apple sends it (scep-protocol.md §2.4, §14).
import { berChildren, berOid, berSmallInteger, berStringOctets, berBytes, readBerStrict } from '@scep/pki';
import type { BerNode } from '@scep/pki';
import { OID_SIGNED_DATA } from './oids';

/** ContentInfo ::= SEQUENCE { contentType OBJECT IDENTIFIER, content [0] EXPLICIT ANY }. Returns the type and the inner value. */
export function readContentInfo(node: BerNode): { contentType: string; content: BerNode | undefined } {
  if (node.tag !== 0x30) throw new TypeError('ContentInfo is not a SEQUENCE');
  const parts = berChildren(node, 2);
  const contentType = berOid(parts[0]);
  if (parts.length === 1) return { contentType, content: undefined };
  if (parts[1].tag !== 0xa0) throw new TypeError('bad ContentInfo content');
  const inner = berChildren(parts[1], 1);
  if (inner.length !== 1) throw new TypeError('bad ContentInfo content');
  return { contentType, content: inner[0] };
}

export interface SignedDataLimits {
  readonly maxCertificates: number;
  readonly maxCrls: number;
  readonly maxSignerInfos: number;
  readonly maxDigestAlgorithms: number;
}

export interface SignedDataParts {
  readonly version: number;
  readonly digestAlgorithmOids: readonly string[];
  readonly eContentType: string;
  /** eContent octets, chunks concatenated; undefined when absent. */
  readonly content?: Buffer;
  /** Certificate choices that are X.509 certificates (SEQUENCE), DER as carried, in order. */
  readonly certificates: readonly Buffer[];
  readonly crls: readonly Buffer[];
  readonly signerInfos: readonly BerNode[];
}

/**
 * SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo, certificates [0] IMPLICIT OPTIONAL,
 * crls [1] IMPLICIT OPTIONAL, signerInfos SET }. Throws (TypeError / PkiError) on anything else; callers wrap.
 */
export function readSignedData(node: BerNode, limits: SignedDataLimits): SignedDataParts {
  if (node.tag !== 0x30) throw new TypeError('SignedData is not a SEQUENCE');
  const parts = berChildren(node, 6);
  let i = 0;
  const version = berSmallInteger(parts[i++]);
  const digestSet = parts[i++];
  if (digestSet?.tag !== 0x31) throw new TypeError('bad digestAlgorithms');
  const digestAlgorithmOids = berChildren(digestSet, limits.maxDigestAlgorithms).map((alg) => berOid(berChildren(alg, 2)[0]));

  const encap = parts[i++];
  if (encap?.tag !== 0x30) throw new TypeError('bad encapContentInfo');
  const encapParts = berChildren(encap, 2);
  const eContentType = berOid(encapParts[0]);
  let content: Buffer | undefined;
  if (encapParts.length === 2) {
    // eContent [0] EXPLICIT OCTET STRING: primitive, or constructed chunks in BER (RFC 5652 §5.2).
    if (encapParts[1].tag !== 0xa0) throw new TypeError('bad eContent');
    const inner = berChildren(encapParts[1], 1);
    if (inner.length !== 1 || (inner[0].tag !== 0x04 && inner[0].tag !== 0x24)) throw new TypeError('bad eContent');
    content = berStringOctets(inner[0]);
  }

  const certificates: Buffer[] = [];
  const crls: Buffer[] = [];
  if (parts[i]?.tag === 0xa0) {
    for (const choice of berChildren(parts[i++], limits.maxCertificates)) {
      // CertificateChoices: only the X.509 Certificate (a SEQUENCE) is of use; attribute/other certificates are skipped.
      if (choice.tag === 0x30) certificates.push(berBytes(choice));
    }
  }
  if (parts[i]?.tag === 0xa1) {
    for (const crl of berChildren(parts[i++], limits.maxCrls)) crls.push(berBytes(crl));
  }
  const signerSet = parts[i++];
  if (signerSet?.tag !== 0x31 || i !== parts.length) throw new TypeError('bad signerInfos');
  const signerInfos = berChildren(signerSet, limits.maxSignerInfos);
  return { version, digestAlgorithmOids, eContentType, content, certificates, crls, signerInfos };
}

/** Parses DER/BER that must be a ContentInfo(id-signedData), without trailing bytes. */
export function readSignedDataContentInfo(der: Uint8Array, limits: SignedDataLimits): SignedDataParts {
  const { contentType, content } = readContentInfo(readBerStrict(der));
  if (contentType !== OID_SIGNED_DATA || !content) throw new TypeError('not a SignedData ContentInfo');
  return readSignedData(content, limits);
}
