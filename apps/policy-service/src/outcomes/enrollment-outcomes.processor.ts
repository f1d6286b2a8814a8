import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { Queues, RecordIssuance, RecordSigningFailure } from '@scep/contracts';
import { EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { jobDispatcher, jobHandler } from '@scep/transport';

/** Consumes `enrollment-outcomes` from the signer: marks transactions issued or failed (idempotently). */
@Processor(Queues.enrollmentOutcomes, { concurrency: 8 })
export class EnrollmentOutcomesProcessor extends WorkerHost {
  private readonly logger = new Logger(EnrollmentOutcomesProcessor.name);
  private readonly dispatch;

  constructor(transactions: EnrollmentTransactionRepository) {
    super();
    this.dispatch = jobDispatcher(Queues.enrollmentOutcomes, [
      jobHandler(RecordIssuance, async (p) => ({
        recorded: await transactions.markIssued(p.tenantId, p.enrollmentId, p.serialHex, Buffer.from(p.certificateDer, 'base64')),
      })),
      jobHandler(RecordSigningFailure, async (p) => {
        const recorded = await transactions.markFailed(p.tenantId, p.enrollmentId, 'badRequest', `signing failed: ${p.reason}`);
        this.logger.warn({ tenantId: p.tenantId, enrollmentId: p.enrollmentId, reason: p.reason }, 'signing failed');
        return { recorded };
      }),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatch(job);
  }
}
