import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { DynamicChallengeEntity } from './dynamic-challenge.entity';

/** What verification needs of a one-time challenge (never its hash back out). */
export type DynamicChallengeState = Pick<
  DynamicChallengeEntity,
  'id' | 'expectedSubject' | 'expectedSans' | 'expiresAt' | 'consumedAt' | 'consumedTransactionId' | 'consumedKeyFingerprint'
>;

/** Listing view: metadata only. */
export type DynamicChallengeMetadata = Omit<DynamicChallengeEntity, 'secretHash' | 'tenantId' | 'profileId' | 'consumedKeyFingerprint'>;

/** One-time challenges; every query is scoped by tenant and profile. */
@Injectable()
export class DynamicChallengeRepository {
  private readonly repository: Repository<DynamicChallengeEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repository = dataSource.getRepository(DynamicChallengeEntity);
  }

  async insert(row: DynamicChallengeEntity): Promise<void> {
    await this.repository.insert(row);
  }

  /** Looks a challenge up by its keyed hash (the unique index): the lookup reveals nothing about the value. */
  findByHash(tenantId: string, profileId: string, secretHash: Buffer): Promise<DynamicChallengeState | null> {
    return this.repository.findOne({
      select: { id: true, expectedSubject: true, expectedSans: true, expiresAt: true, consumedAt: true, consumedTransactionId: true, consumedKeyFingerprint: true },
      where: { tenantId, profileId, secretHash },
    });
  }

  /**
   * Consumes the challenge for one (transactionID, key) in ONE statement, so concurrent requests cannot both win:
   * an unconsumed, unexpired challenge is taken; one already taken by this very transaction and key is "taken
   * again" (a retry, RFC 8894 §3.3.1 resends; scep-protocol.md §9.3) without moving consumed_at. False: another
   * transaction or key has it (or it expired in between).
   */
  async consume(tenantId: string, id: string, transactionId: string, keyFingerprint: string, now: Date): Promise<boolean> {
    const result: [unknown[], number] = await this.repository.query(
      `UPDATE challenge.dynamic_challenges
          SET consumed_at = COALESCE(consumed_at, $5),
              consumed_transaction_id = $3,
              consumed_key_fingerprint = $4
        WHERE tenant_id = $1 AND id = $2
          AND ((consumed_at IS NULL AND expires_at > $5)
               OR (consumed_transaction_id = $3 AND consumed_key_fingerprint = $4))
        RETURNING id`,
      [tenantId, id, transactionId, keyFingerprint, now],
    );
    return result[1] === 1;
  }

  listRecent(tenantId: string, profileId: string, limit: number): Promise<DynamicChallengeMetadata[]> {
    return this.repository.find({
      select: { id: true, expectedSubject: true, expectedSans: true, expiresAt: true, createdAt: true, createdBy: true, consumedAt: true, consumedTransactionId: true },
      where: { tenantId, profileId },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
    });
  }

  /**
   * Housekeeping across tenants: deletes up to `batch` challenges that expired before `cutoff` (consumed or not) and
   * returns how many went. Small batches keep each statement's locks short; the caller loops.
   */
  async deleteExpiredBefore(cutoff: Date, batch: number): Promise<number> {
    const result: [unknown[], number] = await this.repository.query(
      `DELETE FROM challenge.dynamic_challenges
        WHERE id IN (SELECT id FROM challenge.dynamic_challenges WHERE expires_at < $1 LIMIT $2)`,
      [cutoff, batch],
    );
    return result[1];
  }
}
