import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { type JobPayload, JobIds, Queues, SignCertificate } from '@scep/contracts';
import { addJob } from '@scep/transport';
import { policyConfig } from '../policy-config';

/** Enqueues signing with a deterministic job id: adding twice for one enrollment is a no-op. */
@Injectable()
export class SigningQueueProducer {
  private readonly attempts = policyConfig().POLICY_SIGNING_ATTEMPTS;

  constructor(@InjectQueue(Queues.certificateSigning) private readonly queue: Queue) {}

  async enqueue(payload: JobPayload<typeof SignCertificate>): Promise<string> {
    const jobId = JobIds.signCertificate(payload.tenantId, payload.enrollmentId);
    await addJob(this.queue, SignCertificate, payload, {
      jobId,
      attempts: this.attempts,
      backoff: { type: 'exponential', delay: 250 },
      // Kept for a while so that a gateway waiting on this id (or a poll) still finds the result.
      removeOnComplete: { age: 3600, count: 50_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    return jobId;
  }
}
