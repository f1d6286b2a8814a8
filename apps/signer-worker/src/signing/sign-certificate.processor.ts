import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { Queues, SignCertificate } from '@scep/contracts';
import { isFinalFailure, jobDispatcher, jobHandler } from '@scep/queues';
import { signerConfig } from '../signer-config';
import { ApprovalCheck } from './approval-check';
import { CertificateIssuer } from './certificate-issuer.service';
import { SigningOutcomePublisher } from './signing-outcome.publisher';

/**
 * Consumes `certificate-signing`: checks the approval, issues one certificate per approved enrollment, and reports
 * the outcome to the policy replica that asked. A refused job gets no outcome message: its `replyTo` and enrollment
 * are whatever the forger wrote, and answering would let a forger fail someone else's transaction.
 */
@Processor(Queues.certificateSigning, { concurrency: signerConfig().SIGNER_CONCURRENCY })
export class SignCertificateProcessor extends WorkerHost {
  private readonly logger = new Logger(SignCertificateProcessor.name);
  private readonly dispatch;

  constructor(
    private readonly approvals: ApprovalCheck,
    private readonly issuer: CertificateIssuer,
    private readonly outcomes: SigningOutcomePublisher,
  ) {
    super();
    this.dispatch = jobDispatcher(Queues.certificateSigning, [
      jobHandler(SignCertificate, async ({ approval, mac, replyTo }, job) => {
        const verdict = this.approvals.check(approval, mac, job.id);
        if (verdict !== 'authentic') throw new UnrecoverableError(`approval-${verdict}`);
        const issued = await this.issuer.issue(approval);
        await this.outcomes.publish(replyTo, {
          kind: 'issued',
          tenantId: approval.tenantId,
          profileId: approval.profileId,
          enrollmentId: approval.enrollmentId,
          serialHex: issued.serialHex,
          certificateDer: issued.certificateDer.toString('base64'),
          notAfter: issued.notAfter.toISOString(),
        });
        this.logger.log({ tenantId: approval.tenantId, enrollmentId: approval.enrollmentId, serial: issued.serialHex }, 'certificate issued');
        return { serialHex: issued.serialHex };
      }),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatch(job);
  }

  /** A job that will not be retried: its (authentic) requester hears of it; a forged one does not. */
  @OnWorkerEvent('failed')
  async onFailed(job: Job | undefined, error: Error): Promise<void> {
    if (!job) return;
    this.logger.warn({ jobId: job.id, reason: error.message, attempt: job.attemptsMade }, 'signing job failed');
    if (!isFinalFailure(job, error)) return;
    const payload = SignCertificate.payload.safeParse(job.data);
    if (!payload.success || this.approvals.verdict(payload.data.approval, payload.data.mac, 0) === 'forged') return;
    const { approval, replyTo } = payload.data;
    await this.outcomes.publish(replyTo, {
      kind: 'failed',
      tenantId: approval.tenantId,
      profileId: approval.profileId,
      enrollmentId: approval.enrollmentId,
      reason: error.message.slice(0, 200),
    });
  }
}
