import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DynamicChallengeRepository, IntuneNotificationRepository } from '@scep/persistence-challenge';
import { challengeConfig } from '../challenge-config';
import { ChallengeMetrics } from '../metrics/challenge-metrics';

const DAY_MS = 24 * 3600 * 1000;
/** Rows per DELETE: short statements, short locks, no long transaction on a busy table. */
const PURGE_BATCH = 1000;

export interface PurgeResult {
  readonly dynamicChallenges: number;
  readonly intuneNotifications: number;
}

/**
 * Keeps the per-enrollment tables of the challenge service bounded: one-time challenges expired more than the
 * retention ago (a consumed one has done its work; an unconsumed one can never be used) and Intune notifications
 * recorded more than the retention ago (delivered, or given up by the outbox). The policy service's transaction
 * record keeps the audit trail of each enrollment, so nothing an operator needs goes with them.
 */
@Injectable()
export class ChallengeRecordPurger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ChallengeRecordPurger.name);
  private readonly config = challengeConfig();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeResult> | undefined;

  constructor(
    private readonly dynamicChallenges: DynamicChallengeRepository,
    private readonly intuneNotifications: IntuneNotificationRepository,
    private readonly metrics: ChallengeMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runQuietly(), this.config.CHALLENGE_HOUSEKEEPING_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Deletes everything past retention as of `now`, batch by batch; one run at a time per process. */
  purge(now = new Date()): Promise<PurgeResult> {
    this.running ??= this.purgeAll(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async purgeAll(now: Date): Promise<PurgeResult> {
    const cutoff = new Date(now.getTime() - this.config.CHALLENGE_RECORD_RETENTION_DAYS * DAY_MS);
    const dynamicChallenges = await this.drain((batch) => this.dynamicChallenges.deleteExpiredBefore(cutoff, batch));
    this.metrics.recordsPurged('dynamic_challenge', dynamicChallenges);
    const intuneNotifications = await this.drain((batch) => this.intuneNotifications.deleteCreatedBefore(cutoff, batch));
    this.metrics.recordsPurged('intune_notification', intuneNotifications);
    if (dynamicChallenges + intuneNotifications > 0) this.logger.log({ dynamicChallenges, intuneNotifications }, 'records past retention purged');
    return { dynamicChallenges, intuneNotifications };
  }

  private async drain(deleteBatch: (batch: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch(PURGE_BATCH);
      total += deleted;
      if (deleted < PURGE_BATCH) return total;
    }
  }

  private async runQuietly(): Promise<void> {
    try {
      await this.purge();
    } catch (error) {
      // The next interval tries again; a failed purge loses nothing.
      this.logger.warn({ error: error instanceof Error ? error.name : 'unknown' }, 'housekeeping purge failed');
    }
  }
}
