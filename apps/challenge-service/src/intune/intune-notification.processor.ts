import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { Queues, SendIntuneNotification } from '@scep/contracts';
import { jobDispatcher, jobHandler } from '@scep/queues';
import { IntuneNotificationSender } from './intune-notification.sender';

/** Consumes `challenge-notifications`: one job per outbox row (retried with backoff by BullMQ). */
@Processor(Queues.challengeNotifications, { concurrency: 4 })
export class IntuneNotificationProcessor extends WorkerHost {
  private readonly dispatch;

  constructor(sender: IntuneNotificationSender) {
    super();
    this.dispatch = jobDispatcher(Queues.challengeNotifications, [
      jobHandler(SendIntuneNotification, (payload) => sender.deliver(payload.tenantId, payload.notificationId)),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatch(job);
  }
}
