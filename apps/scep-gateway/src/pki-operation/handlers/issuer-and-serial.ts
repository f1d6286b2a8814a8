import { FailInfo, parseIssuerAndSerialNumber } from '@scep/codec';
import { type CaGeneration, type ScepEndpoint, liveGenerations } from '../../endpoints/scep-endpoint';
import { RequestRefused, refusal } from '../verified-request';

/** The IssuerAndSerialNumber of GetCert and GetCRL (RFC 8894 §3.3.4), and the live CA generation it names. */
export function readIssuerAndSerial(endpoint: ScepEndpoint, der: Buffer): { generation: CaGeneration; serialNumber: Buffer } {
  let wanted;
  try {
    wanted = parseIssuerAndSerialNumber(der);
  } catch (error) {
    throw refusal(error, FailInfo.BadRequest);
  }
  const generation = liveGenerations(endpoint).find((g) => g.ca.subjectDer.equals(wanted.issuerDer));
  if (!generation) throw new RequestRefused(FailInfo.BadCertId, 'unknown issuer');
  return { generation, serialNumber: wanted.serialNumber };
}
