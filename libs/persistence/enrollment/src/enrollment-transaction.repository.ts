import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, IsNull, type DataSource, type Repository } from 'typeorm';
import { EnrollmentTransactionEntity } from './enrollment-transaction.entity';

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
