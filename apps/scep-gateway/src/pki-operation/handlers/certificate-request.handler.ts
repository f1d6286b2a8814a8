import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { FailInfo, MessageType, replyCipherFor } from '@scep/codec';
import { EnrollmentSubmit } from '@scep/contracts';
import { CSR_LIMITS, type CertificateInfo, spkiFingerprint } from '@scep/pki';
import { RpcClient, transportConfig } from '@scep/transport';
import { generationsNow } from '../../endpoints/scep-endpoint';
import { EnvelopeOpener } from '../envelope-opener';
import { type Outcome, outcomeOf } from '../outcome';
import type { SignerKind } from '../signer-classification';
import { RequestRefused, type VerifiedRequest } from '../verified-request';
import type { MessageHandler } from './message-handler';

/**
 * PKCSReq and RenewalReq (RFC 8894 §3.3.1). The gateway decrypts and hands the CSR to the policy service, which
 * reads it, has the challenge checked, decides and waits for the certificate: the gateway adds only what it alone
 * knows — who signed the request, which RA it was encrypted to, the algorithms, the client's address. A signer
 * certificate issued by one of the profile's CAs makes it a renewal, whatever the messageType (sscep, certmonger and
 * macOS renew with PKCSReq).
 */
@Injectable()
export class CertificateRequestHandler implements MessageHandler {
  readonly messageTypes = [MessageType.PKCSReq, MessageType.RenewalReq] as const;
  private readonly rpcTimeoutMs = transportConfig().RPC_TIMEOUT_MS;

  constructor(
    private readonly rpc: RpcClient,
    private readonly envelopes: EnvelopeOpener,
  ) {}

  async handle(request: VerifiedRequest): Promise<Outcome> {
    const { message, signer, signerKind, endpoint } = request;
    if (message.messageType === MessageType.RenewalReq && signerKind.kind !== 'issued') {
      throw signerKind.kind === 'self-signed'
        ? new RequestRefused(FailInfo.BadRequest, 'RenewalReq signed by a self-signed certificate')
        : new RequestRefused(FailInfo.BadCertId, 'RenewalReq signed by a certificate of another CA');
    }
    const envelope = this.envelopes.open(request);
    if (envelope.content.length > CSR_LIMITS.maxBytes) throw new RequestRefused(FailInfo.BadRequest, 'CSR too large');
    trace.getActiveSpan()?.setAttribute('scep.renewal', signerKind.kind === 'issued');

    const state = await this.rpc.call(
      EnrollmentSubmit,
      {
        tenantId: endpoint.tenantId,
        profileId: endpoint.profileId,
        transactionId: message.transactionId,
        messageType: message.messageType,
        csrDer: envelope.content.toString('base64'),
        signerFingerprint: spkiFingerprint(signer.spkiDer),
        signerCertificateFingerprint: signerIdentity(signerKind, signer),
        issuingCaId: (request.replyAs.generation ?? generationsNow(endpoint).active).caId,
        renewal:
          signerKind.kind === 'issued'
            ? { caId: signerKind.generation.caId, serialHex: signer.serialHex, signedMessage: request.messageDer.toString('base64') }
            : undefined,
        requestCipher: envelope.contentCipher,
        requestDigest: message.digestAlgorithm,
        clientAddress: request.clientAddress,
      },
      // The policy service waits up to the profile's sync-wait for the certificate before it answers PENDING.
      { timeoutMs: endpoint.syncWaitMs + this.rpcTimeoutMs },
    );
    return outcomeOf(state, replyCipherFor(envelope.contentCipher));
  }
}

/**
 * Who signed, in a form that re-encoding cannot change: for a certificate one of our CAs issued, that CA and the
 * serial; for anything else (self-signed, foreign), the key. Hashing the certificate bytes would let a replayed
 * request with its signer certificate re-encoded (BER) pass as a new signer and mint another certificate (gateway
 * fuzz test). Same key, other issued certificate = a renewal = a new transaction.
 */
function signerIdentity(kind: SignerKind, signer: CertificateInfo): string {
  const identity = kind.kind === 'issued' ? `issued|${kind.generation.caId}|${signer.serialHex}` : `key|${spkiFingerprint(signer.spkiDer)}`;
  return createHash('sha256').update(identity).digest('hex');
}
