import { Injectable } from '@nestjs/common';
import { ChallengeVerify, type EnrollmentSubmit, type RpcRequest, type RpcResponse } from '@scep/contracts';
import type { ProfileSettingsRecord } from '@scep/persistence-read';
import { RpcClient } from '@scep/transport';
import type { RequestCsr } from './request-csr';

/** Modes whose validator receives the CSR itself (the webhook posts it, Intune validates it). */
const MODES_THAT_READ_THE_CSR: ReadonlySet<string> = new Set(['webhook', 'intune']);

/**
 * Asks the challenge service whether the request's challenge admits it — the policy service asks, not the gateway,
 * so that no request reaches a decision without a verdict. The CSR bytes travel only to the modes that need them.
 */
@Injectable()
export class ChallengeCheck {
  constructor(private readonly rpc: RpcClient) {}

  verify(profile: ProfileSettingsRecord, request: RpcRequest<typeof EnrollmentSubmit>, csr: RequestCsr): Promise<RpcResponse<typeof ChallengeVerify>> {
    return this.rpc.call(ChallengeVerify, {
      tenantId: request.tenantId,
      profileId: request.profileId,
      transactionId: request.transactionId,
      messageType: request.messageType,
      challenge: csr.challengePassword,
      csr: { ...csr.facts, subjectAltNames: [...csr.facts.subjectAltNames] },
      ...(MODES_THAT_READ_THE_CSR.has(profile.challengeMode) ? { csrDer: csr.der.toString('base64') } : {}),
      clientAddress: request.clientAddress,
    });
  }
}
