import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobIds, Queues, SignCertificate, type SigningApproval } from '@scep/contracts';
import { addJob } from '@scep/queues';
import { PolicyMetrics } from '../metrics/policy-metrics';
import { policyConfig } from '../policy-config';
import { SigningReplica } from './signing-replica';

const DAY_S = 86_400;

/**
 * Puts approved plans on the signer's queue with a deterministic job id: adding twice for one enrollment is a no-op.
 * Completed jobs are removed at once (the certificate is in the signer's table, the outcome came back over NATS);
 * failed ones stay a week so that the reconciler can read why.
 */
@Injectable()
export class SigningQueueProducer {
  private readonly attempts = policyConfig().POLICY_SIGNING_ATTEMPTS;

  constructor(
    @InjectQueue(Queues.certificateSigning) private readonly queue: Queue,
    private readonly replica: SigningReplica,
    private readonly metrics: PolicyMetrics,
  ) {}

  async enqueue(approval: SigningApproval, mac: string): Promise<void> {
    await addJob(this.queue, SignCertificate, { approval, mac, replyTo: this.replica.replyTo }, {
      jobId: JobIds.signCertificate(approval.tenantId, approval.enrollmentId),
      attempts: this.attempts,
      backoff: { type: 'exponential', delay: 250 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * DAY_S },
    });
    this.metrics.signingEnqueued(approval.enrollmentId);
  }

  /** What BullMQ knows of an enrollment's signing job: 'unknown' when it was never added or is gone. */
  async jobState(tenantId: string, enrollmentId: string): Promise<{ state: string; failedReason?: string }> {
    const jobId = JobIds.signCertificate(tenantId, enrollmentId);
    const state = await this.queue.getJobState(jobId);
    if (state !== 'failed') return { state };
    const job = await this.queue.getJob(jobId);
    return { state, failedReason: job?.failedReason?.slice(0, 200) };
  }
}
