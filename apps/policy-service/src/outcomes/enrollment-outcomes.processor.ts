import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { Queues, RecordIssuance, RecordSigningFailure } from '@scep/contracts';
import { EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { jobDispatcher, jobHandler } from '@scep/transport';
import { IntuneOutcomeNotifier } from '../intune/intune-outcome.notifier';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';

/**
 * Consumes `enrollment-outcomes` from the signer: marks transactions issued or failed (idempotently) and, for
 * Intune profiles, has the outcome notified — inside the job, so a failed notification call retries with it.
 */
@Processor(Queues.enrollmentOutcomes, { concurrency: 8 })
export class EnrollmentOutcomesProcessor extends WorkerHost {
  private readonly logger = new Logger(EnrollmentOutcomesProcessor.name);
  private readonly dispatch;

  constructor(transactions: EnrollmentTransactionRepository, profiles: ProfileSettingsCache, intune: IntuneOutcomeNotifier) {
    super();
    const intuneProfile = async (tenantId: string, enrollmentId: string) => {
      const row = await transactions.findById(tenantId, enrollmentId);
      const profile = row && (await profiles.get(tenantId, row.profileId));
      return profile?.challengeMode === 'intune' ? row : undefined;
    };
    this.dispatch = jobDispatcher(Queues.enrollmentOutcomes, [
      jobHandler(RecordIssuance, async (p) => {
        const certificateDer = Buffer.from(p.certificateDer, 'base64');
        const recorded = await transactions.markIssued(p.tenantId, p.enrollmentId, p.serialHex, certificateDer);
        const row = await intuneProfile(p.tenantId, p.enrollmentId);
        if (row) await intune.issued(row, certificateDer);
        return { recorded };
      }),
      jobHandler(RecordSigningFailure, async (p) => {
        const recorded = await transactions.markFailed(p.tenantId, p.enrollmentId, 'badRequest', `signing failed: ${p.reason}`);
        this.logger.warn({ tenantId: p.tenantId, enrollmentId: p.enrollmentId, reason: p.reason }, 'signing failed');
        const row = await intuneProfile(p.tenantId, p.enrollmentId);
        if (row) await intune.failed(row, `signing failed: ${p.reason}`);
        return { recorded };
      }),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatch(job);
  }
}
