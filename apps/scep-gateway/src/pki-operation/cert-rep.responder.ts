import { Injectable } from '@nestjs/common';
import { type ParsedPkiMessage, PkiStatus, buildCertRep } from '@scep/codec';
import type { CertificateInfo } from '@scep/pki';
import type { CaGeneration } from '../endpoints/scep-endpoint';
import type { Outcome } from './outcome';

/**
 * Encodes an outcome as the CertRep pkiMessage (RFC 8894 §3.3.2): signed by the RA of `responder`, transactionID
 * echoed byte for byte, the request's senderNonce as recipientNonce, its digest mirrored; a SUCCESS is enveloped to
 * the certificate that signed the request.
 */
@Injectable()
export class CertRepResponder {
  respond(responder: CaGeneration, message: ParsedPkiMessage, outcome: Outcome, recipient: CertificateInfo | undefined): Buffer {
    const common = {
      transactionIdEncoded: message.transactionIdEncoded,
      recipientNonce: message.senderNonce,
      digestAlgorithm: message.digestAlgorithm,
      signer: responder.ra,
      extraCertificates: [responder.ca.der],
    };
    switch (outcome.status) {
      case PkiStatus.Success:
        if (!recipient) throw new Error('SUCCESS without a verified requester');
        return buildCertRep({
          ...common,
          status: PkiStatus.Success,
          success: { certificates: outcome.certificates, crls: outcome.crls, recipient, contentCipher: outcome.cipher },
        });
      case PkiStatus.Pending:
        return buildCertRep({ ...common, status: PkiStatus.Pending });
      case PkiStatus.Failure:
        return buildCertRep({ ...common, status: PkiStatus.Failure, failInfo: outcome.failInfo });
    }
  }
}
