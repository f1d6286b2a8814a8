import { Column, Entity, PrimaryColumn } from 'typeorm';

export type IntuneNotificationKind = 'success' | 'failure';

/**
 * The durable outbox of Intune success/failure notifications (scep-protocol.md §12.2): one row per transaction and
 * kind. The row is the record; the BullMQ job only delivers it (and is re-created from unsent rows on startup).
 * `payload` is the body's `notification` object without `callerInfo` (nothing secret: CSR, thumbprint, serial).
 */
@Entity({ schema: 'challenge', name: 'intune_notifications' })
export class IntuneNotificationEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('uuid', { name: 'profile_id' }) profileId: string;
  @Column('text', { name: 'transaction_id' }) transactionId: string;
  @Column('text') kind: IntuneNotificationKind;
  @Column('jsonb') payload: Record<string, unknown>;
  @Column('integer') attempts: number;
  @Column('text', { name: 'last_error', nullable: true }) lastError: string | null;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt: Date | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}
