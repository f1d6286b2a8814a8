// OWNER: codec helper. Degenerate certs-only SignedData (RFC 8894 §3.4, §4.2.1.2; RFC 5652 §5 with no signers):
// the GetCACert / GetNextCACert bag and the content of a SUCCESS CertRep envelope.
import { readBerStrict, derWriter } from '@scep/pki';
import { readSignedDataContentInfo } from './internal/cms';
import { codecError, guard } from './internal/fail';
import { OID_DATA, OID_SIGNED_DATA } from './internal/oids';

const { integer, oid, sequence, setInOrder, tlv } = derWriter;

/** Limits for reading a bag (larger than for requests: a CA chain with roots and cross certificates). */
const BAG_LIMITS = { maxCertificates: 64, maxCrls: 16, maxSignerInfos: 4, maxDigestAlgorithms: 8 };

function requireSingleTlv(bytes: Buffer, what: string): void {
  guard('MALFORMED', `${what} is not one DER value`, () => {
    const node = readBerStrict(bytes);
    if (node.tag !== 0x30) throw codecError('MALFORMED', `${what} is not a SEQUENCE`);
  });
}

/** Degenerate certs-only SignedData in a ContentInfo, certificates in the given order (never sorted). DER. */
export function buildCertsOnly(certificates: readonly Buffer[], crls?: readonly Buffer[]): Buffer {
  certificates.forEach((c) => requireSingleTlv(c, 'certificate'));
  (crls ?? []).forEach((c) => requireSingleTlv(c, 'CRL'));
  // SignedData v1, no digestAlgorithms, encapContentInfo {id-data} without content, no signerInfos.
  // The certificates SET keeps insertion order: clients take the first one as "their" certificate (§7.2).
  const signedData = sequence(
    integer(1),
    setInOrder(),
    sequence(oid(OID_DATA)),
    ...(certificates.length ? [tlv(0xa0, ...certificates)] : []),
    ...(crls?.length ? [tlv(0xa1, ...crls)] : []),
    setInOrder(),
  );
  return sequence(oid(OID_SIGNED_DATA), tlv(0xa0, signedData));
}

/** Reads the certificates (in order) and CRLs out of a certs-only SignedData ContentInfo (BER tolerated). */
export function readCertsOnly(der: Uint8Array): { certificates: Buffer[]; crls: Buffer[] } {
  return guard('MALFORMED', 'not a certs-only SignedData', () => {
    const parts = readSignedDataContentInfo(der, BAG_LIMITS);
    return { certificates: parts.certificates.map((c) => Buffer.from(c)), crls: parts.crls.map((c) => Buffer.from(c)) };
  });
}
