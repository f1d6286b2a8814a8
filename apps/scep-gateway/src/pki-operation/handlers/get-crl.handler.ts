import { Injectable } from '@nestjs/common';
import { FailInfo, MessageType, PkiStatus, replyCipherFor } from '@scep/codec';
import { CrlReader } from '@scep/persistence-read';
import { EnvelopeOpener } from '../envelope-opener';
import type { Outcome } from '../outcome';
import { RequestRefused, type VerifiedRequest } from '../verified-request';
import { readIssuerAndSerial } from './issuer-and-serial';
import type { MessageHandler } from './message-handler';

/** GetCRL (RFC 8894 §3.3.4): the current CRL of the CA named by the issuer (sscep sends the CA's own issuer/serial). */
@Injectable()
export class GetCrlHandler implements MessageHandler {
  readonly messageTypes = [MessageType.GetCRL] as const;

  constructor(
    private readonly crls: CrlReader,
    private readonly envelopes: EnvelopeOpener,
  ) {}

  async handle(request: VerifiedRequest): Promise<Outcome> {
    const envelope = this.envelopes.open(request);
    const { generation } = readIssuerAndSerial(request.endpoint, envelope.content);
    const crl = await this.crls.current(request.endpoint.tenantId, generation.caId);
    if (!crl) throw new RequestRefused(FailInfo.BadCertId, 'no CRL for this CA');
    return { status: PkiStatus.Success, certificates: [], crls: [crl.crlDer], cipher: replyCipherFor(envelope.contentCipher) };
  }
}
