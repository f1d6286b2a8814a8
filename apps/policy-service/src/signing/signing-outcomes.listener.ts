import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import { signingOutcomeMessage } from '@scep/contracts';
import { ServiceMetrics } from '@scep/telemetry';
import { NatsConnection } from '@scep/transport';
import { PolicyMetrics } from '../metrics/policy-metrics';
import { IssuanceRecorder } from './issuance-recorder';
import { SigningApprovals } from './signing-approvals';
import { SigningReplica } from './signing-replica';
import { SigningWaiters } from './signing-waiters';

/**
 * Receives the signer's outcomes on this replica's own subject: authenticates each one, wakes the requests waiting
 * for it and has it recorded. Anything that is not a well-formed outcome MAC'd by the signer is dropped, logged and
 * counted.
 */
@Injectable()
export class SigningOutcomesListener implements OnModuleInit {
  private readonly logger = new Logger(SigningOutcomesListener.name);
  private readonly refused: Counter<'reason'>;

  constructor(
    private readonly nats: NatsConnection,
    private readonly replica: SigningReplica,
    private readonly approvals: SigningApprovals,
    private readonly waiters: SigningWaiters,
    private readonly recorder: IssuanceRecorder,
    metrics: ServiceMetrics,
    private readonly policyMetrics: PolicyMetrics,
  ) {
    this.refused = new Counter({
      name: 'scep_policy_signing_outcomes_refused_total',
      help: 'Signing outcomes dropped because they were malformed or not authenticated by the signer.',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
  }

  async onModuleInit(): Promise<void> {
    await this.nats.subscribe(this.replica.replyTo, (data) => void this.receive(data));
  }

  /** Public for tests: handles one raw message. */
  async receive(data: Uint8Array): Promise<void> {
    let message;
    try {
      message = signingOutcomeMessage.parse(JSON.parse(Buffer.from(data).toString('utf8')));
    } catch {
      this.refused.inc({ reason: 'malformed' });
      this.logger.warn('dropped a malformed signing outcome');
      return;
    }
    const { outcome, mac } = message;
    if (!this.approvals.outcomeIsAuthentic(outcome, mac)) {
      this.refused.inc({ reason: 'forged' });
      this.logger.error({ tenantId: outcome.tenantId, enrollmentId: outcome.enrollmentId }, 'dropped a signing outcome the signer did not authenticate');
      return;
    }
    this.waiters.settle(outcome);
    this.policyMetrics.signingSettled(outcome.enrollmentId);
    try {
      if (outcome.kind === 'issued') await this.recorder.issued(outcome);
      else await this.recorder.failed(outcome);
    } catch (error) {
      // The certificate is durable in the signer's table: the reconciler records it later.
      this.logger.warn({ tenantId: outcome.tenantId, enrollmentId: outcome.enrollmentId, reason: error instanceof Error ? error.name : 'error' }, 'could not record a signing outcome now');
    }
  }
}
