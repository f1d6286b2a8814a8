import { Injectable } from '@nestjs/common';
import { FailInfo, MessageType, parseIssuerAndSubject, replyCipherFor } from '@scep/codec';
import { EnrollmentStatus } from '@scep/contracts';
import { spkiFingerprint } from '@scep/pki';
import { RpcClient, transportConfig } from '@scep/transport';
import { EnvelopeOpener } from '../envelope-opener';
import { type Outcome, outcomeOf } from '../outcome';
import { RequestRefused, type VerifiedRequest, refusal } from '../verified-request';
import type { MessageHandler } from './message-handler';

/**
 * CertPoll / GetCertInitial (RFC 8894 §3.3.3): the transaction's state as its owner knows it, for the key that
 * requested it. The body's issuer and subject are redundant (Apple puts the RA's name there): the transaction is
 * identified by transactionID + signer key.
 */
@Injectable()
export class CertPollHandler implements MessageHandler {
  readonly messageTypes = [MessageType.CertPoll] as const;
  private readonly rpcTimeoutMs = transportConfig().RPC_TIMEOUT_MS;

  constructor(
    private readonly rpc: RpcClient,
    private readonly envelopes: EnvelopeOpener,
  ) {}

  async handle(request: VerifiedRequest): Promise<Outcome> {
    const { message, signer, endpoint } = request;
    const envelope = this.envelopes.open(request);
    try {
      parseIssuerAndSubject(envelope.content);
    } catch (error) {
      throw refusal(error, FailInfo.BadRequest);
    }
    const state = await this.rpc.call(
      EnrollmentStatus,
      { tenantId: endpoint.tenantId, profileId: endpoint.profileId, transactionId: message.transactionId, signerFingerprint: spkiFingerprint(signer.spkiDer) },
      { timeoutMs: endpoint.syncWaitMs + this.rpcTimeoutMs },
    );
    if (state.state === 'unknown') throw new RequestRefused(FailInfo.BadCertId, 'unknown transaction');
    return outcomeOf(state, replyCipherFor(envelope.contentCipher));
  }
}
