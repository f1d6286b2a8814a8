import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, type DataSource } from 'typeorm';
import { type ChallengeVerify, type RpcResponse, isStaleAfter, profileCacheKey } from '@scep/contracts';
import { StaticChallengeEntity } from '@scep/persistence-challenge';
import { LoadingCache } from '@scep/persistence-core';
import { TenancyEvents } from '@scep/transport';
import { challengeConfig } from '../challenge-config';
import { ChallengeHasher } from './challenge-hasher';

type VerifyResult = RpcResponse<typeof ChallengeVerify>;

/** Static per-profile challenges: stored hashed, verified in constant time, cached per profile with invalidation. */
@Injectable()
export class StaticChallengeService implements OnModuleInit {
  private readonly hasher = new ChallengeHasher(challengeConfig().CHALLENGE_PEPPER);
  private readonly cache = new LoadingCache<Buffer[]>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: TenancyEvents,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.events.subscribe((event) => this.cache.deleteWhere((key) => isStaleAfter(event, key)));
  }

  async verify(tenantId: string, profileId: string, challenge: string | undefined): Promise<VerifyResult> {
    const hashes = await this.currentHashes(tenantId, profileId);
    if (hashes.length === 0) return { decision: 'reject', reason: 'not-configured' };
    if (challenge === undefined || challenge.length === 0) return { decision: 'reject', reason: 'missing' };
    return this.hasher.matches(tenantId, profileId, challenge, hashes) ? { decision: 'accept' } : { decision: 'reject', reason: 'mismatch' };
  }

  /** Replaces the profile's static challenge (the previous one stops working now). */
  async set(tenantId: string, profileId: string, challenge: string): Promise<Date> {
    const now = new Date();
    await this.dataSource.transaction(async (manager) => {
      await manager.update(StaticChallengeEntity, { tenantId, profileId, notAfter: IsNull() }, { notAfter: now });
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

  private currentHashes(tenantId: string, profileId: string): Promise<Buffer[]> {
    return this.cache.get(profileCacheKey(tenantId, profileId), async () => {
      const rows = await this.dataSource
        .getRepository(StaticChallengeEntity)
        .createQueryBuilder('c')
        .select(['c.secretHash'])
        .where('c.tenant_id = :tenantId AND c.profile_id = :profileId', { tenantId, profileId })
        .andWhere('(c.not_after IS NULL OR c.not_after > now())')
        .getMany();
      return rows.map((row) => row.secretHash);
    });
  }
}
