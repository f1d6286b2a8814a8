import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { ChallengeRejection, ChallengeVerify, RpcRequest, RpcResponse } from '@scep/contracts';
import { DynamicChallengeService } from '../dynamic-challenge/dynamic-challenge.service';
import { IntuneChallengeValidator } from '../intune/intune-challenge.validator';
import { ChallengeMetrics, type VerificationMode } from '../metrics/challenge-metrics';
import { FailureRateLimiter } from '../rate-limit/failure-rate-limiter';
import { type ProfileChallengeSettings, ChallengeSettingsService } from '../settings/challenge-settings.service';
import { StaticChallengeService } from '../static-challenge/static-challenge.service';
import { WebhookChallengeValidator } from '../webhook/webhook-validator';

type VerifyRequest = RpcRequest<typeof ChallengeVerify>;
type VerifyResult = RpcResponse<typeof ChallengeVerify>;

/**
 * Rejections that count towards a lockout: a client's wrong guesses. Not counted: 'not-configured' (the operator's
 * doing), 'locked' (never checked), and validator outages ('webhook-error', 'intune-error') — an outage is not a
 * guess, and counting it would lock honest devices out for CHALLENGE_LOCKOUT_SECONDS after the validator recovers.
 */
const NOT_A_GUESS: ReadonlySet<ChallengeRejection> = new Set(['not-configured', 'locked', 'webhook-error', 'intune-error']);

export function countsAsFailure(reason: ChallengeRejection): boolean {
  return !NOT_A_GUESS.has(reason);
}

/**
 * challenge.verify: lockout check first (in memory: a locked client is answered without touching Redis, the database
 * or a validator), then the profile's validator, then failures counted (docs/adr/008-abuse-and-client-addresses.md). Every answer is measured and logged without the challenge.
 */
@Injectable()
export class ChallengeVerificationService {
  private readonly logger = new Logger(ChallengeVerificationService.name);

  constructor(
    private readonly settings: ChallengeSettingsService,
    private readonly limiter: FailureRateLimiter,
    private readonly statics: StaticChallengeService,
    private readonly dynamics: DynamicChallengeService,
    private readonly webhook: WebhookChallengeValidator,
    private readonly intune: IntuneChallengeValidator,
    private readonly metrics: ChallengeMetrics,
  ) {}

  async verify(request: VerifyRequest): Promise<VerifyResult> {
    const started = performance.now();
    const subject = { tenantId: request.tenantId, profileId: request.profileId, clientAddress: request.clientAddress };
    let mode: VerificationMode = 'unknown';
    let result: VerifyResult;
    const lockedUntil = this.limiter.lockedUntil(subject);
    if (lockedUntil) {
      result = locked(lockedUntil);
    } else {
      const settings = await this.settings.get(request.tenantId, request.profileId);
      mode = settings.mode;
      result = await this.validate(settings, request);
      if (result.decision === 'reject' && countsAsFailure(result.reason)) {
        // The failure that reaches the limit is answered as a lockout, so that the gateway stops the client at once.
        const until = await this.limiter.recordFailure(subject);
        if (until) result = locked(until);
      }
    }
    const reason = result.decision === 'reject' ? result.reason : undefined;
    this.metrics.verification(mode, result.decision, reason, (performance.now() - started) / 1000);
    trace.getActiveSpan()?.setAttributes({
      'scep.tenant_id': request.tenantId,
      'scep.profile_id': request.profileId,
      // Not "challenge.*": the span scrubber redacts attribute names that look like secrets.
      'scep.verification.mode': mode,
      'scep.verification.decision': result.decision,
      ...(reason ? { 'scep.verification.reason': reason } : {}),
    });
    if (reason) {
      this.logger.warn(
        { tenantId: request.tenantId, profileId: request.profileId, transactionId: request.transactionId, clientAddress: request.clientAddress, mode, reason },
        'challenge rejected',
      );
    }
    return result;
  }

  private validate(settings: ProfileChallengeSettings, request: VerifyRequest): Promise<VerifyResult> {
    switch (settings.mode) {
      case 'static':
        return this.statics.verify(request.tenantId, request.profileId, request.challenge);
      case 'dynamic':
        return this.dynamics.verify(request);
      case 'webhook':
        return this.webhook.verify(request, settings.webhook);
      case 'intune':
        return this.intune.verify(request);
      default:
        return unreachable(settings.mode);
    }
  }
}

function locked(untilMs: number): VerifyResult {
  return { decision: 'reject', reason: 'locked', retryAfterSeconds: Math.max(1, Math.min(86_400, Math.ceil((untilMs - Date.now()) / 1000))) };
}

function unreachable(mode: never): never {
  throw new Error(`unknown challenge mode ${String(mode)}`);
}
