import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { type ChallengeNotifyOutcome, JobIds, Queues, type RpcRequest, SendIntuneNotification } from '@scep/contracts';
import { IntuneNotificationRepository } from '@scep/persistence-challenge';
import { addJob } from '@scep/queues';
import { challengeConfig } from '../challenge-config';
import type { ProfileChallengeSettings } from '../settings/challenge-settings.service';
import { issuedCertificateFacts } from './certificate-facts';

/** Unsent notifications older than this are left alone on startup (Intune has long forgotten the request). */
const REQUEUE_HORIZON_MS = 7 * 24 * 3600 * 1000;
const REQUEUE_PAGE = 500;

/**
 * The durable outbox of Intune notifications: the outcome is first recorded in challenge.intune_notifications (once
 * per transaction and kind), then a job with a deterministic id delivers it with retries and backoff. On startup,
 * unsent rows are enqueued again (a no-op for those whose job still exists), so a lost Redis loses nothing.
 */
@Injectable()
export class IntuneNotificationOutbox implements OnApplicationBootstrap {
  private readonly logger = new Logger(IntuneNotificationOutbox.name);
  private readonly config = challengeConfig();

  constructor(
    private readonly repository: IntuneNotificationRepository,
    @InjectQueue(Queues.challengeNotifications) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: enrollment must not wait for the outbox scan.
    this.requeueUnsent().catch((error: unknown) =>
      this.logger.error({ error: error instanceof Error ? error.name : 'unknown' }, 'could not re-enqueue unsent Intune notifications'),
    );
  }

  /** Records the outcome of an Intune profile's transaction and queues its delivery; other modes do nothing. */
  async record(request: RpcRequest<typeof ChallengeNotifyOutcome>, settings: ProfileChallengeSettings): Promise<{ queued: boolean }> {
    if (settings.mode !== 'intune') return { queued: false };
    const { tenantId, profileId, transactionId, csrDer, outcome } = request;
    const base = { transactionId, certificateRequest: csrDer };
    // Intune's own client library refuses a blank failure description: give one rather than lose the notification.
    const row =
      outcome.kind === 'issued'
        ? { kind: 'success' as const, payload: { ...base, ...issuedCertificateFacts(Buffer.from(outcome.certificateDer, 'base64')) } }
        : { kind: 'failure' as const, payload: { ...base, hResult: outcome.hResult, errorDescription: outcome.description.trim() || 'The certificate request failed' } };
    const recorded = await this.repository.insertOnce({ id: randomUUID(), tenantId, profileId, transactionId, ...row });
    if (!recorded.sent) await this.enqueue(tenantId, recorded.id);
    return { queued: true };
  }

  /** Enqueues every unsent notification of the last days; returns how many it looked at. */
  async requeueUnsent(): Promise<number> {
    const since = new Date(Date.now() - REQUEUE_HORIZON_MS);
    let after: { createdAt: Date; id: string } | undefined;
    let seen = 0;
    for (;;) {
      const page = await this.repository.listUnsent(since, REQUEUE_PAGE, after);
      for (const row of page) await this.enqueue(row.tenantId, row.id);
      seen += page.length;
      const last = page.at(-1);
      if (!last || page.length < REQUEUE_PAGE) break;
      after = { createdAt: last.createdAt, id: last.id };
    }
    if (seen > 0) this.logger.log({ count: seen }, 'unsent Intune notifications re-enqueued');
    return seen;
  }

  /** The job id is derived from the row: adding it again while the job exists is a no-op in BullMQ. */
  private async enqueue(tenantId: string, notificationId: string): Promise<void> {
    await addJob(this.queue, SendIntuneNotification, { tenantId, notificationId }, {
      jobId: JobIds.sendIntuneNotification(tenantId, notificationId),
      attempts: this.config.CHALLENGE_INTUNE_NOTIFY_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.CHALLENGE_INTUNE_NOTIFY_BACKOFF_MS },
      removeOnComplete: { age: 24 * 3600 },
      // Kept as long as the startup scan looks back, so an exhausted delivery is not silently restarted.
      removeOnFail: { age: REQUEUE_HORIZON_MS / 1000 },
    });
  }
}
