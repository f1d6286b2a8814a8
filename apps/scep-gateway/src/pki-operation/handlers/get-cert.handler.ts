import { Injectable } from '@nestjs/common';
import { FailInfo, MessageType, PkiStatus, replyCipherFor } from '@scep/codec';
import { IssuedCertificateReader } from '@scep/persistence-read';
import { type CertificateInfo, readCertificate, serialToHex } from '@scep/pki';
import { EnvelopeOpener } from '../envelope-opener';
import type { Outcome } from '../outcome';
import { RequestRefused, type VerifiedRequest } from '../verified-request';
import { readIssuerAndSerial } from './issuer-and-serial';
import type { MessageHandler } from './message-handler';

/**
 * GetCert (RFC 8894 §3.3.4): a certificate this CA issued, by issuer and serial, to a requester authenticated by a
 * valid certificate of this CA with the same subject. Certificates are public; the check keeps this from being an
 * enumeration service. sscep uses a constant transactionID here: no transaction is recorded.
 */
@Injectable()
export class GetCertHandler implements MessageHandler {
  readonly messageTypes = [MessageType.GetCert] as const;

  constructor(
    private readonly certificates: IssuedCertificateReader,
    private readonly envelopes: EnvelopeOpener,
  ) {}

  async handle(request: VerifiedRequest): Promise<Outcome> {
    const { signer, signerKind, endpoint } = request;
    const envelope = this.envelopes.open(request);
    const { generation, serialNumber } = readIssuerAndSerial(endpoint, envelope.content);
    if (signerKind.kind !== 'issued' || !validNow(signer)) throw new RequestRefused(FailInfo.BadRequest, 'GetCert needs a valid certificate of this CA');
    const record = await this.certificates.findBySerial(endpoint.tenantId, generation.caId, serialToHex(serialNumber));
    if (!record) throw new RequestRefused(FailInfo.BadCertId, 'no such certificate');
    if (!readCertificate(record.certificateDer).subjectDer.equals(signer.subjectDer)) throw new RequestRefused(FailInfo.BadRequest, 'GetCert for another subject');
    return { status: PkiStatus.Success, certificates: [record.certificateDer], cipher: replyCipherFor(envelope.contentCipher) };
  }
}

function validNow(certificate: CertificateInfo): boolean {
  const now = Date.now();
  return certificate.notBefore.getTime() <= now && now <= certificate.notAfter.getTime();
}
