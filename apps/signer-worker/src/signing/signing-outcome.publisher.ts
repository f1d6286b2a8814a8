import { Injectable, Logger } from '@nestjs/common';
import type { SigningOutcome } from '@scep/contracts';
import { signOutcome } from '@scep/signing-approval';
import { NatsConnection } from '@scep/transport';
import { ApprovalCheck } from './approval-check';

/**
 * Tells the policy replica that owns a transaction what became of its signing job, once, on the subject the job
 * named: a publish, no queue, no stream. If it is lost (that replica is gone, NATS is down), nothing is: the
 * certificate is in the signer's table and the policy service's reconciler records it from there.
 */
@Injectable()
export class SigningOutcomePublisher {
  private readonly logger = new Logger(SigningOutcomePublisher.name);

  constructor(
    private readonly nats: NatsConnection,
    private readonly approvals: ApprovalCheck,
  ) {}

  async publish(replyTo: string, outcome: SigningOutcome): Promise<void> {
    try {
      const connection = await this.nats.get();
      connection.publish(replyTo, Buffer.from(JSON.stringify({ outcome, mac: signOutcome(this.approvals.outcomeKeys, outcome) })));
    } catch (error) {
      this.logger.warn({ tenantId: outcome.tenantId, enrollmentId: outcome.enrollmentId, reason: error instanceof Error ? error.name : 'error' }, 'could not report a signing outcome');
    }
  }
}
