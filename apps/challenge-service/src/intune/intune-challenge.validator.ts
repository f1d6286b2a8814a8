import { Injectable, Logger } from '@nestjs/common';
import type { ChallengeVerify, RpcRequest, RpcResponse } from '@scep/contracts';
import { challengeConfig } from '../challenge-config';
import { INTUNE_CALLER_INFO, IntuneApiClient } from './intune-api.client';
import { IntuneCallError } from './intune-call-error';
import { IntuneConnectionService } from './intune-connection.service';

type VerifyRequest = RpcRequest<typeof ChallengeVerify>;
type VerifyResult = RpcResponse<typeof ChallengeVerify>;

/**
 * Intune-issued challenges (scep-protocol.md §12.2): Intune alone can decrypt and check them, so the whole CSR goes to
 * its validateRequest action. "Success" accepts; any other code refuses ('intune-denied'); no answer within the
 * budget refuses too ('intune-error') — never an accept, never a hang.
 */
@Injectable()
export class IntuneChallengeValidator {
  private readonly logger = new Logger(IntuneChallengeValidator.name);
  private readonly budgetMs = challengeConfig().CHALLENGE_INTUNE_TIMEOUT_MS;

  constructor(
    private readonly connections: IntuneConnectionService,
    private readonly api: IntuneApiClient,
  ) {}

  async verify(request: VerifyRequest): Promise<VerifyResult> {
    const context = { tenantId: request.tenantId, profileId: request.profileId, transactionId: request.transactionId };
    // Intune would answer ChallengePasswordMissing: spare the round trip.
    if (request.challenge === undefined || request.challenge.length === 0) return { decision: 'reject', reason: 'missing' };
    if (request.csrDer === undefined) {
      // The caller's view of the profile's mode was stale (it sends the CSR only to modes that forward it).
      this.logger.warn(context, 'Intune profile asked without the CSR');
      return { decision: 'reject', reason: 'intune-error' };
    }
    const connection = await this.connections.get(request.tenantId);
    if (!connection) {
      this.logger.warn(context, 'Intune profile but the tenant has no Intune connection');
      return { decision: 'reject', reason: 'not-configured' };
    }
    try {
      const answer = await this.api.scepAction(
        connection,
        'validateRequest',
        { request: { transactionId: request.transactionId, certificateRequest: request.csrDer, callerInfo: INTUNE_CALLER_INFO } },
        AbortSignal.timeout(this.budgetMs),
      );
      if (answer.code === 'Success') return { decision: 'accept' };
      this.logger.warn({ ...context, intuneCode: answer.code, activityId: answer.activityId }, 'Intune refused the request');
      return { decision: 'reject', reason: 'intune-denied' };
    } catch (error) {
      this.logger.warn({ ...context, ...describeIntuneError(error) }, 'Intune validation unavailable');
      return { decision: 'reject', reason: 'intune-error' };
    }
  }
}

/** Loggable facts of an Intune failure (no secrets by construction of IntuneCallError). */
export function describeIntuneError(error: unknown): Record<string, unknown> {
  if (error instanceof IntuneCallError) return { stage: error.stage, failure: error.failure, status: error.status, oauthError: error.oauthError };
  return { failure: 'unexpected', error: error instanceof Error ? error.name : 'unknown' };
}
