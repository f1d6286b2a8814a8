import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { Queues, SignCertificate } from '@scep/contracts';
import { isFinalFailure, jobDispatcher, jobHandler } from '@scep/transport';
import { EnrollmentOutcomesProducer } from '../outcomes/enrollment-outcomes.producer';
import { signerConfig } from '../signer-config';
import { CertificateIssuer } from './certificate-issuer.service';

/** Consumes `certificate-signing`: one certificate per approved enrollment, outcome reported to the policy service. */
@Processor(Queues.certificateSigning, { concurrency: signerConfig().SIGNER_CONCURRENCY })
export class SignCertificateProcessor extends WorkerHost {
  private readonly logger = new Logger(SignCertificateProcessor.name);
  private readonly dispatch;

  constructor(
    private readonly issuer: CertificateIssuer,
    private readonly outcomes: EnrollmentOutcomesProducer,
  ) {
    super();
    this.dispatch = jobDispatcher(Queues.certificateSigning, [
      jobHandler(SignCertificate, async (payload) => {
        const result = await this.issuer.issue(payload);
        await this.outcomes.issued(payload.tenantId, payload.enrollmentId, result.serialHex, result.certificateDer);
        this.logger.log({ tenantId: payload.tenantId, enrollmentId: payload.enrollmentId, serial: result.serialHex }, 'certificate issued');
        return result;
      }),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatch(job);
  }

  @OnWorkerEvent('failed')
  async onFailed(job: Job | undefined, error: Error): Promise<void> {
    if (!job) return;
    const data = job.data as { tenantId?: string; enrollmentId?: string };
    this.logger.warn({ jobId: job.id, reason: error.message, attempt: job.attemptsMade }, 'signing job failed');
    if (!isFinalFailure(job, error) || !data.tenantId || !data.enrollmentId) return;
    try {
      await this.outcomes.failed(data.tenantId, data.enrollmentId, error.message.slice(0, 200));
    } catch (outcomeError) {
      this.logger.error({ jobId: job.id, reason: String(outcomeError) }, 'could not record signing failure');
    }
  }
}
