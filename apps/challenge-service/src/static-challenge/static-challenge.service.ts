import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type ChallengeVerify, type RpcResponse, isStaleAfter, profileCacheKey } from '@scep/contracts';
import { StaticChallengeEntity } from '@scep/persistence-challenge';
import { LoadingCache } from '@scep/persistence-core';
import { TenancyEvents } from '@scep/transport';
import { challengeConfig } from '../challenge-config';
import { ChallengeHasher } from '../secrets/challenge-hasher';

type VerifyResult = RpcResponse<typeof ChallengeVerify>;

interface LiveHash {
  readonly hash: Buffer;
  /** Epoch ms after which a replaced challenge stops working; null while current. */
  readonly notAfter: number | null;
}

/** Safety net if an invalidation event is lost. */
const TTL_MS = 5 * 60 * 1000;

/**
 * Static per-profile challenges: stored hashed, verified in constant time, cached per profile with invalidation.
 * Rotation keeps the replaced challenge working for an overlap window, so devices that already hold the old value
 * (MDM profiles are pushed gradually) still enroll until it ends.
 */
@Injectable()
export class StaticChallengeService implements OnModuleInit {
  private readonly hasher = new ChallengeHasher(challengeConfig().CHALLENGE_PEPPER);
  private readonly cache = new LoadingCache<LiveHash[]>({ maxEntries: 100_000, ttlMs: () => TTL_MS });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: TenancyEvents,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.events.subscribe((event) => this.cache.deleteWhere((key) => isStaleAfter(event, key)));
  }

  /** The hot path: no database round trip once the profile's hashes are cached. */
  async verify(tenantId: string, profileId: string, challenge: string | undefined): Promise<VerifyResult> {
    const now = Date.now();
    // Overlap windows end by the clock, not by an event: filter on every call.
    const hashes = (await this.liveHashes(tenantId, profileId)).filter((h) => h.notAfter === null || h.notAfter > now).map((h) => h.hash);
    if (hashes.length === 0) return { decision: 'reject', reason: 'not-configured' };
    if (challenge === undefined || challenge.length === 0) return { decision: 'reject', reason: 'missing' };
    return this.hasher.matches(tenantId, profileId, challenge, hashes) ? { decision: 'accept' } : { decision: 'reject', reason: 'mismatch' };
  }

  /**
   * Replaces the profile's static challenge. Every challenge still working (the current one and any earlier one
   * still in its overlap) works at most `overlapSeconds` longer; 0 stops them now (a leaked challenge).
   */
  async set(tenantId: string, profileId: string, challenge: string, overlapSeconds: number): Promise<Date> {
    const now = new Date();
    const cutoff = new Date(now.getTime() + overlapSeconds * 1000);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE challenge.static_challenges SET not_after = $3
          WHERE tenant_id = $1 AND profile_id = $2 AND (not_after IS NULL OR not_after > $3)`,
        [tenantId, profileId, cutoff],
      );
      await manager.insert(StaticChallengeEntity, {
        id: randomUUID(),
        tenantId,
        profileId,
        secretHash: this.hasher.hash(tenantId, profileId, challenge),
        notAfter: null,
      });
    });
    this.cache.delete(profileCacheKey(tenantId, profileId));
    await this.events.publish({ tenantId, profileId });
    return now;
  }

  private liveHashes(tenantId: string, profileId: string): Promise<LiveHash[]> {
    return this.cache.get(profileCacheKey(tenantId, profileId), async () => {
      const rows = await this.dataSource
        .getRepository(StaticChallengeEntity)
        .createQueryBuilder('c')
        .select(['c.secretHash', 'c.notAfter'])
        .where('c.tenant_id = :tenantId AND c.profile_id = :profileId', { tenantId, profileId })
        .andWhere('(c.not_after IS NULL OR c.not_after > :now)', { now: new Date() })
        .getMany();
      return rows.map((row) => ({ hash: row.secretHash, notAfter: row.notAfter?.getTime() ?? null }));
    });
  }
}
