import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type ProfileSettingsRecord, ProfileSettingsReader } from '@scep/persistence-read';
import { TenancyEvents } from '@scep/transport';

const TTL_MS = 5 * 60 * 1000;

/** Profile settings per (tenant, profile), cached; dropped on tenancy-changed events and after a TTL. */
@Injectable()
export class ProfileSettingsCache implements OnModuleInit {
  private readonly cache = new Map<string, { expires: number; value: Promise<ProfileSettingsRecord | undefined> }>();

  constructor(
    private readonly reader: ProfileSettingsReader,
    private readonly events: TenancyEvents,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.events.subscribe((event) => {
      for (const key of [...this.cache.keys()]) {
        if (key.startsWith(`${event.tenantId}/`) && (!event.profileId || key.endsWith(`/${event.profileId}`))) this.cache.delete(key);
      }
    });
  }

  get(tenantId: string, profileId: string): Promise<ProfileSettingsRecord | undefined> {
    const key = `${tenantId}/${profileId}`;
    const hit = this.cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    const value = this.reader.find(tenantId, profileId);
    this.cache.set(key, { expires: Date.now() + TTL_MS, value });
    value.catch(() => this.cache.delete(key));
    return value;
  }
}
