import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, IsNull, type DataSource, type Repository } from 'typeorm';
import { EnrollmentTransactionEntity, type EnrollmentStatus } from './enrollment-transaction.entity';

/** Data access for enrollment transactions; every query is scoped by tenant. */
@Injectable()
export class EnrollmentTransactionRepository {
  private readonly repository: Repository<EnrollmentTransactionEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repository = dataSource.getRepository(EnrollmentTransactionEntity);
  }

  /** The live (not superseded) transaction of a profile with this transactionID. */
  findLive(tenantId: string, profileId: string, transactionId: string): Promise<EnrollmentTransactionEntity | null> {
    return this.repository.findOneBy({ tenantId, profileId, transactionId, supersededAt: IsNull() });
  }

  findById(tenantId: string, id: string): Promise<EnrollmentTransactionEntity | null> {
    return this.repository.findOneBy({ tenantId, id });
  }

  /**
   * Inserts unless a live transaction with the same (tenant, profile, transactionID) exists — the unique index
   * decides under concurrency. Returns false when another request got there first.
   */
  async insertIfAbsent(row: EnrollmentTransactionEntity): Promise<boolean> {
    const result = await this.repository
      .createQueryBuilder()
      .insert()
      .into(EnrollmentTransactionEntity)
      .values(row)
      .orIgnore()
      .returning(['id'])
      .execute();
    return Array.isArray(result.raw) && result.raw.length === 1;
  }

  /**
   * Retires a completed transaction so that its transactionID can start a new one (a renewal with the same key,
   * scep-protocol.md §9.4). Returns false when it is not completed or already retired.
   */
  async supersede(tenantId: string, id: string): Promise<boolean> {
    const result = await this.repository.update(
      { tenantId, id, supersededAt: IsNull(), status: In(['issued', 'rejected', 'failed']) },
      { supersededAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  /** An operator approved a pending request: pending -> queued (only while it has not expired). */
  async approve(tenantId: string, id: string, actor: string): Promise<boolean> {
    const result: [unknown[], number] = await this.repository.query(
      `UPDATE enrollment.transactions
          SET status = 'queued', decided_by = $3, decided_at = now(), updated_at = now(),
              decision = jsonb_set(decision, '{approver}', to_jsonb($3::text))
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND pending_until > now()`,
      [tenantId, id, actor],
    );
    return result[1] > 0;
  }

  /** An operator rejected a pending request: pending -> rejected (FAILURE badRequest at the next poll). */
  async reject(tenantId: string, id: string, actor: string, reason: string): Promise<boolean> {
    const result = await this.repository.update(
      { tenantId, id, status: 'pending' },
      { status: 'rejected', failInfo: 'badRequest', statusReason: reason, decidedBy: actor, decidedAt: new Date(), completedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  /** A pending request nobody decided in time: pending -> expired (FAILURE badCertId, scep-protocol.md §9.1). */
  async expire(tenantId: string, id: string): Promise<boolean> {
    const result: [unknown[], number] = await this.repository.query(
      `UPDATE enrollment.transactions SET status = 'expired', fail_info = 'badCertId', status_reason = 'approval expired',
              completed_at = now(), updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND pending_until <= now()`,
      [tenantId, id],
    );
    return result[1] > 0;
  }

  /** Transactions of a tenant, newest first (operators' view: pending approvals, "why was this refused?"). */
  find(tenantId: string, filter: { profileId?: string; status?: EnrollmentStatus; transactionId?: string; limit: number }): Promise<EnrollmentTransactionEntity[]> {
    return this.repository.find({
      where: {
        tenantId,
        ...(filter.profileId ? { profileId: filter.profileId } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.transactionId ? { transactionId: filter.transactionId } : {}),
      },
      order: { createdAt: 'DESC' },
      take: filter.limit,
    });
  }

  /** queued/pending -> issued. Returns false when the transaction is not (or no longer) awaiting a certificate. */
  async markIssued(tenantId: string, id: string, serialHex: string, certificateDer: Buffer): Promise<boolean> {
    const result = await this.repository.update(
      { tenantId, id, status: In(['queued', 'pending']) },
      { status: 'issued', certificateSerial: serialHex, certificateDer, completedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  /** queued/pending -> failed (the signer gave up). */
  async markFailed(tenantId: string, id: string, failInfo: string, reason: string): Promise<boolean> {
    const result = await this.repository.update(
      { tenantId, id, status: In(['queued', 'pending']) },
      { status: 'failed', failInfo, statusReason: reason, completedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }
}
