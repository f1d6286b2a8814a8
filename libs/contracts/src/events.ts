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

/**
 * A client address locked out of one profile after too many failed challenges (docs/adr/008-abuse-and-client-
 * addresses.md), broadcast over NATS (subject `<RPC_NAMESPACE>.events.client-locked`): every challenge-service replica
 * refuses it without asking Redis, and every gateway answers HTTP 429 before any RSA work until `untilMs`.
 */
export const ClientLocked = z.object({
  tenantId: uuid,
  profileId: uuid,
  /** As the gateway normalised it (an IP address). */
  clientAddress: z.string().min(1).max(45),
  /** Epoch milliseconds. */
  untilMs: z.number().int().positive(),
});
export type ClientLockedEvent = z.infer<typeof ClientLocked>;

export const clientLockedSubject = (namespace: string) => `${namespace}.events.client-locked`;
