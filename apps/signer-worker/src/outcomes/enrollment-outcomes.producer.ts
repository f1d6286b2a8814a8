import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobIds, Queues, RecordIssuance, RecordSigningFailure } from '@scep/contracts';
import { addJob } from '@scep/transport';

const OUTCOME_OPTIONS = { attempts: 10, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 7 * 24 * 3600 } };

/** Tells the policy service (owner of the transactions) what became of a signing job, durably and idempotently. */
@Injectable()
export class EnrollmentOutcomesProducer {
  constructor(@InjectQueue(Queues.enrollmentOutcomes) private readonly queue: Queue) {}

  async issued(tenantId: string, enrollmentId: string, serialHex: string, certificateDer: string): Promise<void> {
    await addJob(this.queue, RecordIssuance, { tenantId, enrollmentId, serialHex, certificateDer }, {
      ...OUTCOME_OPTIONS,
      jobId: JobIds.recordOutcome(tenantId, enrollmentId),
    });
  }

  async failed(tenantId: string, enrollmentId: string, reason: string): Promise<void> {
    await addJob(this.queue, RecordSigningFailure, { tenantId, enrollmentId, reason }, {
      ...OUTCOME_OPTIONS,
      jobId: JobIds.recordOutcome(tenantId, enrollmentId),
    });
  }
}
