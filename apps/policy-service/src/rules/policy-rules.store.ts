import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { z } from 'zod';
import { PolicyRules, type PolicyRulesValue, isStaleAfter, profileCacheKey } from '@scep/contracts';
import { LoadingCache } from '@scep/persistence-core';
import { ProfilePolicyRepository } from '@scep/persistence-enrollment';
import { TenancyEvents } from '@scep/transport';
import { assertPatternsRunnable } from './pattern-check';

export interface PolicyVersion {
  /** 0 when nothing is stored: the defaults apply. */
  readonly version: number;
  readonly rules: PolicyRulesValue;
  readonly createdAt?: Date;
  readonly createdBy?: string;
}

/**
 * A profile's policy rules as versioned data: every change is a new row (who, when), the highest version is in force,
 * and each version is validated on write and read. Cached per profile; every replica drops its copy on change.
 */
@Injectable()
export class PolicyRulesStore implements OnModuleInit {
  private readonly cache = new LoadingCache<PolicyVersion>({ maxEntries: 100_000, ttlMs: () => 5 * 60_000 });

  constructor(
    private readonly repository: ProfilePolicyRepository,
    private readonly events: TenancyEvents,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.events.subscribe((event) => this.cache.deleteWhere((key) => isStaleAfter(event, key)));
  }

  current(tenantId: string, profileId: string): Promise<PolicyVersion> {
    return this.cache.get(profileCacheKey(tenantId, profileId), async () => {
      const row = await this.repository.latest(tenantId, profileId);
      if (!row) return { version: 0, rules: PolicyRules.parse({}) };
      return { version: row.version, rules: PolicyRules.parse(row.rules), createdAt: row.createdAt, createdBy: row.createdBy };
    });
  }

  async set(tenantId: string, profileId: string, rules: z.input<typeof PolicyRules>, actor: string): Promise<PolicyVersion> {
    const validated = PolicyRules.parse(rules);
    assertPatternsRunnable(validated);
    const stored = await this.repository.insertNext(randomUUID, tenantId, profileId, validated, actor);
    this.cache.delete(profileCacheKey(tenantId, profileId));
    await this.events.publish({ tenantId, profileId });
    return { version: stored.version, rules: validated, createdAt: stored.createdAt, createdBy: actor };
  }
}
