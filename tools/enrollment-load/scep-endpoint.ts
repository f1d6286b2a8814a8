/**
 * What a client learns from GetCACert (RFC 8894 §4.2): the certificate it encrypts to and that signs replies (the
 * RA, or the CA itself when there is no RA, as micromdm's scepserver answers with a bare certificate), and the CA
 * the issued certificates must chain to.
 */
import { X509Certificate } from 'node:crypto';
import { readCertsOnly } from '@scep/codec';
import { type CertificateInfo, readCertificate } from '@scep/pki';
import type { HttpClient } from './http-client';

export interface ScepEndpoint {
  readonly url: string;
  /** Signs CertReps; first recipient of requests. */
  readonly responder: CertificateInfo;
  readonly ca: CertificateInfo;
  readonly caX509: X509Certificate;
  /** Envelope recipients: responder first, then the CA when it differs (as micromdm's scepclient does). */
  readonly recipients: readonly CertificateInfo[];
}

export async function fetchScepEndpoint(client: HttpClient, url: string): Promise<ScepEndpoint> {
  const reply = await client.request(`${url}?operation=GetCACert&message=load`, { method: 'GET', timeoutMs: 30_000 });
  if (reply.status !== 200) throw new Error(`GetCACert answered HTTP ${reply.status}`);
  const single = (reply.contentType ?? '').startsWith('application/x-x509-ca-cert');
  const certificates = (single ? [reply.body] : readCertsOnly(reply.body).certificates).map((der) => readCertificate(der));
  const ca = certificates.find((c) => c.isCA && c.selfIssued) ?? certificates.find((c) => c.isCA) ?? certificates[certificates.length - 1];
  if (!ca) throw new Error('GetCACert returned no certificate');
  const responder = certificates.find((c) => c !== ca) ?? ca;
  return { url, responder, ca, caX509: new X509Certificate(ca.der), recipients: responder === ca ? [ca] : [responder, ca] };
}
