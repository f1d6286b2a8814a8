/**
 * Verifies one PKIOperation reply the way a careful client would: HTTP 200, CertRep signed by the responder from
 * GetCACert, our transactionID, and on SUCCESS a certificate that decrypts with the device key, carries the device's
 * public key and verifies against the CA. Anything else becomes an Outcome of its own kind.
 */
import { X509Certificate } from 'node:crypto';
import { FailInfo, PkiStatus, ScepCodecError, readCertRep } from '@scep/codec';
import { readCertificate } from '@scep/pki';
import type { HttpReply } from './http-client';
import type { DeviceKey } from './key-pool';
import type { Outcome } from './outcomes';
import type { ScepEndpoint } from './scep-endpoint';

/** RFC 8894 spelling (badRequest), from the codec's enum name (BadRequest). */
const failInfoName = (value: FailInfo) => {
  const name = FailInfo[value] as string | undefined;
  return name ? `${name[0]?.toLowerCase()}${name.slice(1)}` : String(value);
};

export function checkReply(reply: HttpReply, endpoint: ScepEndpoint, device: DeviceKey, transactionId: string): Outcome {
  if (reply.status !== 200) return { kind: 'http', status: reply.status, ...(reply.retryAfter ? { retryAfter: reply.retryAfter } : {}) };
  let certRep: ReturnType<typeof readCertRep>;
  try {
    certRep = readCertRep(reply.body, endpoint.responder, device.key);
  } catch (error) {
    return { kind: 'bad-reply', reason: error instanceof ScepCodecError ? `CertRep ${error.code}` : 'unreadable CertRep' };
  }
  if (certRep.transactionId !== transactionId) return { kind: 'bad-reply', reason: 'transactionID differs' };
  if (certRep.status === PkiStatus.Pending) return { kind: 'pending' };
  if (certRep.status === PkiStatus.Failure) {
    const failInfo = certRep.failInfo === undefined ? 'none' : failInfoName(certRep.failInfo);
    return { kind: 'failure', failInfo, ...(certRep.failInfoText ? { text: certRep.failInfoText } : {}) };
  }
  const issued = certRep.certificates.map((der) => readCertificate(der)).find((c) => c.spkiDer.equals(device.spkiDer));
  if (!issued) return { kind: 'bad-reply', reason: 'no certificate with the device key' };
  const x509 = new X509Certificate(issued.der);
  if (!x509.checkIssued(endpoint.caX509) || !x509.verify(endpoint.caX509.publicKey)) return { kind: 'bad-reply', reason: 'certificate does not verify against the CA' };
  return { kind: 'success', serialHex: issued.serialHex, issuerDer: issued.issuerDer, certificateDer: issued.der };
}
