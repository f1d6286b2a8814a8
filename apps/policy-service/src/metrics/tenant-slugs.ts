import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { TenantSlugReader } from '@scep/persistence-read';

const MAX_TENANTS = 100_000;
/** Slugs do not change; the TTL only bounds how long a deleted tenant's entry lingers. */
const TTL_MS = 60 * 60 * 1000;

/**
 * Tenant slugs for metric labels (the gateway's labels are the slugs of the SCEP URL), cached and bounded. Kept off
 * the enrollment path on purpose: if the slugs cannot be read (the database is down, or this service's role may not
 * read tenancy.tenants), labels say `tenant=""` and enrollment goes on — metrics never break an enrollment.
 */
@Injectable()
export class TenantSlugs {
  private readonly logger = new Logger(TenantSlugs.name);
  private readonly cache = new LRUCache<string, string>({ max: MAX_TENANTS, ttl: TTL_MS });
  private warned = false;

  constructor(private readonly reader: TenantSlugReader) {}

  /** The slug of each tenant ('' when unknown or unreadable): cached ones at once, the others by one query. */
  async slugsOf(tenantIds: readonly string[]): Promise<Map<string, string>> {
    const slugs = new Map<string, string>();
    const missing: string[] = [];
    for (const id of new Set(tenantIds)) {
      const cached = this.cache.get(id);
      if (cached === undefined) missing.push(id);
      else slugs.set(id, cached);
    }
    if (missing.length > 0) {
      try {
        const loaded = await this.reader.slugsOf(missing);
        for (const [id, slug] of loaded) {
          this.cache.set(id, slug);
          slugs.set(id, slug);
        }
      } catch (error) {
        if (!this.warned) this.logger.warn({ reason: error instanceof Error ? error.message.slice(0, 200) : 'error' }, 'tenant slugs unreadable: metrics label tenants ""');
        this.warned = true;
      }
    }
    for (const id of missing) if (!slugs.has(id)) slugs.set(id, '');
    return slugs;
  }

  async slugOf(tenantId: string): Promise<string> {
    const cached = this.cache.get(tenantId);
    return cached ?? (await this.slugsOf([tenantId])).get(tenantId) ?? '';
  }
}
