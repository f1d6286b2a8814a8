import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { SigningOutcome } from '@scep/contracts';
import { EnrollmentTransactionRepository, type IssuedRecord } from '@scep/persistence-enrollment';
import type { ProfileSettingsRecord } from '@scep/persistence-read';
import { IntuneOutcomeNotifier } from '../intune/intune-outcome.notifier';
import { PolicyMetrics } from '../metrics/policy-metrics';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';

type Issued = Extract<SigningOutcome, { kind: 'issued' }>;
type Failed = Extract<SigningOutcome, { kind: 'failed' }>;

/** Outcomes arriving within this window are recorded by one statement. */
const BATCH_WINDOW_MS = 50;
const MAX_BATCH = 500;

/**
 * Records what the signer reported in the owner's table. "Issued" is recorded in batches (one UPDATE for the
 * outcomes of a few milliseconds): the certificate itself is already durable in the signer's table, so a batch lost
 * to a crash or an outage only delays the record — the reconciler finds the certificate and records it. Intune
 * profiles are told first and recorded after, one by one, so that a notification is never skipped. What the record
 * changed is what the metrics count: an enrollment issued or failed once, whoever reported it how often.
 */
@Injectable()
export class IssuanceRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger(IssuanceRecorder.name);
  private batch: Array<{ readonly record: IssuedRecord; readonly profile?: ProfileSettingsRecord }> = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly transactions: EnrollmentTransactionRepository,
    private readonly profiles: ProfileSettingsCache,
    private readonly intune: IntuneOutcomeNotifier,
    private readonly metrics: PolicyMetrics,
  ) {}

  async issued(outcome: Issued): Promise<void> {
    const record = { tenantId: outcome.tenantId, id: outcome.enrollmentId, serialHex: outcome.serialHex };
    const profile = await this.profiles.get(outcome.tenantId, outcome.profileId);
    if (profile?.challengeMode !== 'intune') {
      this.batch.push({ record, profile });
      if (this.batch.length >= MAX_BATCH) this.flushSoon(0);
      else this.flushSoon(BATCH_WINDOW_MS);
      return;
    }
    const row = await this.transactions.findById(outcome.tenantId, outcome.enrollmentId);
    const csrDer = row && row.status !== 'issued' ? await this.transactions.findCsr(row.tenantId, row.id) : undefined;
    if (!row || !csrDer) return; // recorded already (or gone): Intune was told then
    await this.intune.issued({ ...row, csrDer }, Buffer.from(outcome.certificateDer, 'base64'));
    if ((await this.transactions.markIssued([record])).length > 0) this.metrics.issued(record.tenantId, profile);
  }

  async failed(outcome: Failed): Promise<void> {
    const reason = `signing failed: ${outcome.reason}`;
    if (!(await this.transactions.markFailed(outcome.tenantId, outcome.enrollmentId, 'badRequest', reason))) return;
    this.metrics.signingFailed(outcome.reason);
    this.logger.warn({ tenantId: outcome.tenantId, enrollmentId: outcome.enrollmentId, reason: outcome.reason }, 'signing failed');
    const profile = await this.profiles.get(outcome.tenantId, outcome.profileId);
    if (profile?.challengeMode !== 'intune') return;
    const row = await this.transactions.findById(outcome.tenantId, outcome.enrollmentId);
    const csrDer = row && (await this.transactions.findCsr(row.tenantId, row.id));
    if (row && csrDer) this.intune.failedInBackground({ ...row, csrDer }, reason);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
  }

  /** One flush at a time; each takes what has gathered. A failed flush is left to the reconciler. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      while (this.batch.length > 0) {
        const entries = this.batch.splice(0, MAX_BATCH);
        try {
          const changed = new Set(await this.transactions.markIssued(entries.map((e) => e.record)));
          for (const entry of entries) if (changed.has(entry.record.id)) this.metrics.issued(entry.record.tenantId, entry.profile);
        } catch (error) {
          this.logger.warn({ records: entries.length, reason: error instanceof Error ? error.name : 'error' }, 'could not record issued certificates now: the reconciler will');
        }
      }
    });
    return this.flushing;
  }
}
