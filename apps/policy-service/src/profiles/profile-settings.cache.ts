import { Injectable, type OnModuleInit } from '@nestjs/common';
import { isStaleAfter, profileCacheKey } from '@scep/contracts';
import { LoadingCache } from '@scep/persistence-core';
import { type ProfileSettingsRecord, ProfileSettingsReader } from '@scep/persistence-read';
import { TenancyEvents } from '@scep/transport';

const TTL_MS = 5 * 60 * 1000;

/** Profile settings per (tenant, profile), cached; dropped on tenancy-changed events and after a TTL. */
@Injectable()
export class ProfileSettingsCache implements OnModuleInit {
  private readonly cache = new LoadingCache<ProfileSettingsRecord | undefined>({ maxEntries: 100_000, ttlMs: () => TTL_MS });

  constructor(
    private readonly reader: ProfileSettingsReader,
    private readonly events: TenancyEvents,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.events.subscribe((event) => this.cache.deleteWhere((key) => isStaleAfter(event, key)));
  }

  get(tenantId: string, profileId: string): Promise<ProfileSettingsRecord | undefined> {
    return this.cache.get(profileCacheKey(tenantId, profileId), () => this.reader.find(tenantId, profileId));
  }
}
