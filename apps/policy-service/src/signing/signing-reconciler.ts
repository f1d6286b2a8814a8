import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EnrollmentState, SigningOutcome } from '@scep/contracts';
import { type EnrollmentTransaction, EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { IssuedCertificateReader, effectiveGenerations } from '@scep/persistence-read';
import { policyConfig } from '../policy-config';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';
import { IssuanceRecorder } from './issuance-recorder';
import { SigningApprovals } from './signing-approvals';
import { SigningQueueProducer } from './signing-queue.producer';
import { SigningRequests } from './signing-requests';
import { SigningWaiters } from './signing-waiters';

/** Queued transactions younger than this are left to their own outcome message. */
const SWEEP_MIN_AGE_MS = 60_000;
const SWEEP_BATCH = 100;

/**
 * The durable side of the signing path. An outcome message can be lost (this replica restarted, NATS was down) and
 * a job can be lost (Redis lost its data): the record of what happened is the signer's certificate table and
 * BullMQ's failed set. `settle` brings one queued transaction up to date from them — certificate stored: record it;
 * job failed: record the failure; job gone: sign it again (same deterministic job id, fresh approval), unless its
 * approval window has passed — and waits for the outcome when it is still on its way. Each replica sweeps old
 * queued transactions periodically; every step is idempotent, so replicas need no leader.
 */
@Injectable()
export class SigningReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SigningReconciler.name);
  private readonly intervalMs = policyConfig().POLICY_RECONCILE_INTERVAL_SECONDS * 1000;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly transactions: EnrollmentTransactionRepository,
    private readonly certificates: IssuedCertificateReader,
    private readonly queue: SigningQueueProducer,
    private readonly requests: SigningRequests,
    private readonly recorder: IssuanceRecorder,
    private readonly waiters: SigningWaiters,
    private readonly approvals: SigningApprovals,
    private readonly profiles: ProfileSettingsCache,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn({ reason: error instanceof Error ? error.name : 'error' }, 'reconciliation sweep failed; next one retries'))
        .finally(() => (this.sweeping = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One pass over the oldest queued transactions (bounded). Public for tests. */
  async sweep(now = new Date()): Promise<number> {
    const rows = await this.transactions.queuedBefore(new Date(now.getTime() - SWEEP_MIN_AGE_MS), SWEEP_BATCH);
    for (const row of rows) await this.settle(row, 0);
    return rows.length;
  }

  /**
   * The state of a queued transaction, made current; waits up to `waitMs` for an outcome still on its way (only an
   * outcome addressed to this replica arrives here; otherwise the device polls again).
   */
  async settle(row: EnrollmentTransaction, waitMs: number): Promise<EnrollmentState> {
    const waiter = this.waiters.wait(row.id, waitMs);
    const certificate = await this.certificates.findByEnrollment(row.tenantId, row.id);
    if (certificate) {
      waiter.cancel();
      await this.recorder.issued({
        kind: 'issued',
        tenantId: row.tenantId,
        profileId: row.profileId,
        enrollmentId: row.id,
        serialHex: certificate.serialHex,
        certificateDer: certificate.certificateDer.toString('base64'),
        notAfter: certificate.notAfter.toISOString(),
      });
      return { state: 'issued', certificateDer: certificate.certificateDer.toString('base64'), serialHex: certificate.serialHex };
    }
    const job = await this.queue.jobState(row.tenantId, row.id);
    if (job.state === 'failed') {
      waiter.cancel();
      await this.recorder.failed({ kind: 'failed', tenantId: row.tenantId, profileId: row.profileId, enrollmentId: row.id, reason: job.failedReason ?? 'job failed' });
      return { state: 'rejected', failInfo: 'badRequest', reason: 'signing failed' };
    }
    if (job.state === 'unknown') {
      const stale = Date.now() - row.createdAt.getTime() > this.approvals.approvalTtlMs;
      const profile = await this.profiles.get(row.tenantId, row.profileId);
      const requeued = !stale && profile && (await this.requests.requestFromRecord(row, effectiveGenerations(profile.caGenerations).active));
      if (!requeued) {
        waiter.cancel();
        await this.recorder.failed({ kind: 'failed', tenantId: row.tenantId, profileId: row.profileId, enrollmentId: row.id, reason: stale ? 'not signed within the approval window' : 'no signable plan' });
        return { state: 'rejected', failInfo: 'badRequest', reason: 'signing failed' };
      }
      this.logger.warn({ tenantId: row.tenantId, enrollmentId: row.id }, 'signing job was missing: enqueued again');
    }
    return stateOfOutcome(await waiter.outcome);
  }
}

/** What a device is told once the signer has spoken (or not yet). */
export function stateOfOutcome(outcome: SigningOutcome | undefined): EnrollmentState {
  if (!outcome) return { state: 'pending' };
  return outcome.kind === 'issued'
    ? { state: 'issued', certificateDer: outcome.certificateDer, serialHex: outcome.serialHex }
    : { state: 'rejected', failInfo: 'badRequest', reason: 'signing failed' };
}
