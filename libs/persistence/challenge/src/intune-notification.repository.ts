import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, type DataSource, type Repository } from 'typeorm';
import { IntuneNotificationEntity, type IntuneNotificationKind } from './intune-notification.entity';

export interface NewIntuneNotification {
  readonly id: string;
  readonly tenantId: string;
  readonly profileId: string;
  readonly transactionId: string;
  readonly kind: IntuneNotificationKind;
  readonly payload: Record<string, unknown>;
}

/** The Intune notification outbox; every query is scoped by tenant. */
@Injectable()
export class IntuneNotificationRepository {
  private readonly repository: Repository<IntuneNotificationEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repository = dataSource.getRepository(IntuneNotificationEntity);
  }

  /**
   * Records a notification once per (tenant, profile, transaction, kind): a second call (a retried outcome) returns
   * the existing row's id and whether it was already sent, and changes nothing.
   */
  async insertOnce(row: NewIntuneNotification): Promise<{ id: string; sent: boolean }> {
    const inserted: Array<{ id: string }> = await this.repository.query(
      `INSERT INTO challenge.intune_notifications (id, tenant_id, profile_id, transaction_id, kind, payload)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT (tenant_id, profile_id, transaction_id, kind) DO NOTHING
       RETURNING id`,
      [row.id, row.tenantId, row.profileId, row.transactionId, row.kind, JSON.stringify(row.payload)],
    );
    if (inserted.length === 1) return { id: row.id, sent: false };
    const existing = await this.repository.findOneOrFail({
      select: { id: true, sentAt: true },
      where: { tenantId: row.tenantId, profileId: row.profileId, transactionId: row.transactionId, kind: row.kind },
    });
    return { id: existing.id, sent: existing.sentAt !== null };
  }

  findById(tenantId: string, id: string): Promise<IntuneNotificationEntity | null> {
    return this.repository.findOneBy({ tenantId, id });
  }

  /** Counts a delivery attempt before it is made (a crash mid-call still shows up in `attempts`). */
  async countAttempt(tenantId: string, id: string): Promise<void> {
    await this.repository.increment({ tenantId, id }, 'attempts', 1);
  }

  async markSent(tenantId: string, id: string): Promise<void> {
    await this.repository.update({ tenantId, id, sentAt: IsNull() }, { sentAt: new Date(), lastError: null });
  }

  /** `error` is a short, non-secret description (HTTP status, Intune's code, "timeout"). */
  async recordError(tenantId: string, id: string, error: string): Promise<void> {
    await this.repository.update({ tenantId, id }, { lastError: error.slice(0, 500) });
  }

  /** Unsent rows created after `since`, oldest first, for re-enqueueing; page with `after` (the last row seen). */
  listUnsent(since: Date, limit: number, after?: { createdAt: Date; id: string }): Promise<Array<Pick<IntuneNotificationEntity, 'id' | 'tenantId' | 'createdAt'>>> {
    const query = this.repository
      .createQueryBuilder('n')
      .select(['n.id', 'n.tenantId', 'n.createdAt'])
      .where('n.sent_at IS NULL AND n.created_at > :since', { since })
      .orderBy('n.created_at', 'ASC')
      .addOrderBy('n.id', 'ASC')
      .take(limit);
    if (after) query.andWhere('(n.created_at, n.id) > (:afterCreatedAt, :afterId)', { afterCreatedAt: after.createdAt, afterId: after.id });
    return query.getMany();
  }

  /**
   * Housekeeping across tenants: deletes up to `batch` notifications recorded before `cutoff`, delivered or given up
   * (the cutoff lies beyond the outbox's re-enqueue horizon), and returns how many went.
   */
  async deleteCreatedBefore(cutoff: Date, batch: number): Promise<number> {
    const result: [unknown[], number] = await this.repository.query(
      `DELETE FROM challenge.intune_notifications
        WHERE id IN (SELECT id FROM challenge.intune_notifications WHERE created_at < $1 LIMIT $2)`,
      [cutoff, batch],
    );
    return result[1];
  }
}
