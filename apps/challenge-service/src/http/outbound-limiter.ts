/**
 * Bounds outbound calls (webhooks, Intune) per tenant and for the whole replica: a number in flight and a rate
 * (token bucket, burst = one second's worth). One tenant whose webhook hangs, or who enrolls in a loop, cannot tie up
 * every socket and handler of the replica, nor turn it into a traffic source aimed at a third party. Over a limit the
 * call is refused at once (never queued): the caller answers its usual "validator unavailable" rejection.
 *
 * In memory and per replica on purpose: no Redis round trip on the enrollment path, and N replicas allow N times the
 * limits (size them per replica).
 */

export interface OutboundLimits {
  readonly perTenantConcurrency: number;
  readonly perTenantPerSecond: number;
  readonly globalConcurrency: number;
  readonly globalPerSecond: number;
  /** Tenants tracked at once; idle ones are forgotten first (a forgotten tenant starts with a full bucket). */
  readonly maxTenants?: number;
}

export type LimitRefusal = 'concurrency' | 'rate';

/** Ends one admitted call (idempotent). */
export type Release = () => void;

const DEFAULT_MAX_TENANTS = 10_000;
/** Entries examined per eviction: keeps an admission O(1) even when every tracked tenant is busy. */
const EVICTION_SCAN = 32;

class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = perSecond;
    this.updatedAt = now;
  }

  available(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens -= 1;
  }

  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.perSecond;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
  }
}

interface TenantState {
  inFlight: number;
  readonly bucket: TokenBucket;
}

export class OutboundLimiter {
  private readonly tenants = new Map<string, TenantState>();
  private readonly global: TokenBucket;
  private globalInFlight = 0;
  private readonly maxTenants: number;

  constructor(
    private readonly limits: OutboundLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.global = new TokenBucket(limits.globalPerSecond, now());
    this.maxTenants = limits.maxTenants ?? DEFAULT_MAX_TENANTS;
  }

  /** Admits one call for the tenant, or says which limit refused it. */
  tryAcquire(tenantId: string): Release | LimitRefusal {
    const now = this.now();
    const tenant = this.tenant(tenantId, now);
    if (!tenant) return 'concurrency';
    if (tenant.inFlight >= this.limits.perTenantConcurrency || this.globalInFlight >= this.limits.globalConcurrency) return 'concurrency';
    if (!tenant.bucket.available(now) || !this.global.available(now)) return 'rate';
    tenant.bucket.take();
    this.global.take();
    tenant.inFlight += 1;
    this.globalInFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      tenant.inFlight -= 1;
      this.globalInFlight -= 1;
    };
  }

  /** Tenants currently tracked (for tests and metrics). */
  get trackedTenants(): number {
    return this.tenants.size;
  }

  /** The tenant's state, most recently used last; undefined when the map is full of busy tenants. */
  private tenant(tenantId: string, now: number): TenantState | undefined {
    const existing = this.tenants.get(tenantId);
    if (existing) {
      this.tenants.delete(tenantId);
      this.tenants.set(tenantId, existing);
      return existing;
    }
    if (this.tenants.size >= this.maxTenants && !this.evictIdle(now)) return undefined;
    const created: TenantState = { inFlight: 0, bucket: new TokenBucket(this.limits.perTenantPerSecond, now) };
    this.tenants.set(tenantId, created);
    return created;
  }

  /**
   * Forgets one of the least recently used tenants that has nothing in flight (a busy one keeps its counts): one
   * whose bucket has refilled if there is one (forgetting it changes nothing), else the oldest idle one.
   */
  private evictIdle(now: number): boolean {
    let oldestIdle: string | undefined;
    let scanned = 0;
    for (const [id, state] of this.tenants) {
      if (scanned++ >= EVICTION_SCAN) break;
      if (state.inFlight > 0) continue;
      if (state.bucket.full(now)) {
        this.tenants.delete(id);
        return true;
      }
      oldestIdle ??= id;
    }
    if (oldestIdle === undefined) return false;
    this.tenants.delete(oldestIdle);
    return true;
  }
}
