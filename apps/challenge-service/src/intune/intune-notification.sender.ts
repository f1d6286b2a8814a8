import { Injectable, Logger } from '@nestjs/common';
import { IntuneNotificationRepository } from '@scep/persistence-challenge';
import { challengeConfig } from '../challenge-config';
import { ChallengeMetrics } from '../metrics/challenge-metrics';
import { INTUNE_CALLER_INFO, IntuneApiClient } from './intune-api.client';
import { IntuneCallError } from './intune-call-error';
import { describeIntuneError } from './intune-challenge.validator';
import { IntuneConnectionService } from './intune-connection.service';

/** Raised when a delivery attempt fails; BullMQ retries it. The message is stored in Redis: nothing secret in it. */
export class IntuneNotificationError extends Error {
  constructor(readonly description: string) {
    super(`Intune notification not delivered: ${description}`);
    this.name = 'IntuneNotificationError';
  }
}

/**
 * Delivers one outbox row: successNotification or failureNotification with the stored payload plus callerInfo.
 * Sent rows are never sent again; every attempt is counted and its failure recorded on the row.
 */
@Injectable()
export class IntuneNotificationSender {
  private readonly logger = new Logger(IntuneNotificationSender.name);
  private readonly budgetMs = challengeConfig().CHALLENGE_INTUNE_TIMEOUT_MS;

  constructor(
    private readonly repository: IntuneNotificationRepository,
    private readonly connections: IntuneConnectionService,
    private readonly api: IntuneApiClient,
    private readonly metrics: ChallengeMetrics,
  ) {}

  async deliver(tenantId: string, notificationId: string): Promise<{ sent: boolean }> {
    const row = await this.repository.findById(tenantId, notificationId);
    if (!row) {
      this.logger.warn({ tenantId, notificationId }, 'Intune notification job without its outbox row');
      return { sent: false };
    }
    if (row.sentAt) return { sent: true };
    const context = { tenantId, profileId: row.profileId, transactionId: row.transactionId, notificationId, kind: row.kind };
    await this.repository.countAttempt(tenantId, notificationId);
    try {
      const connection = await this.connections.get(tenantId);
      if (!connection) throw new IntuneNotificationError('the tenant has no Intune connection');
      const action = row.kind === 'success' ? 'successNotification' : 'failureNotification';
      const answer = await this.api.scepAction(connection, action, { notification: { ...row.payload, callerInfo: INTUNE_CALLER_INFO } }, AbortSignal.timeout(this.budgetMs));
      if (answer.code !== 'Success') throw new IntuneNotificationError(`Intune answered ${answer.code} (activity ${answer.activityId})`);
    } catch (error) {
      const description = error instanceof IntuneNotificationError ? error.description : error instanceof IntuneCallError ? error.message : 'unexpected error';
      await this.repository.recordError(tenantId, notificationId, description);
      this.metrics.intuneNotification(row.kind, 'failed');
      this.logger.warn({ ...context, ...(error instanceof IntuneNotificationError ? { description } : describeIntuneError(error)) }, 'Intune notification attempt failed');
      throw error instanceof IntuneNotificationError ? error : new IntuneNotificationError(description);
    }
    await this.repository.markSent(tenantId, notificationId);
    this.metrics.intuneNotification(row.kind, 'sent');
    this.logger.log(context, 'Intune notification delivered');
    return { sent: true };
  }
}
