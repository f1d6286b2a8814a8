import { z } from 'zod';
import { uuid } from './primitives';

/**
 * Cache invalidation broadcast over NATS (subject `<RPC_NAMESPACE>.events.tenancy-changed`): every replica of every
 * service drops what it cached for the tenant. Broadcast is what we want here, unlike RPC.
 */
export const TenancyChanged = z.object({
  tenantId: uuid,
  /** Omitted: everything of the tenant. */
  profileId: uuid.optional(),
});
export type TenancyChangedEvent = z.infer<typeof TenancyChanged>;

export const tenancyChangedSubject = (namespace: string) => `${namespace}.events.tenancy-changed`;

/** Cache key of per-profile data, and whether a tenancy-changed event makes such an entry stale. */
export const profileCacheKey = (tenantId: string, profileId: string) => `${tenantId}/${profileId}`;

export function isStaleAfter(event: TenancyChangedEvent, key: string): boolean {
  return key.startsWith(`${event.tenantId}/`) && (!event.profileId || key === profileCacheKey(event.tenantId, event.profileId));
}
