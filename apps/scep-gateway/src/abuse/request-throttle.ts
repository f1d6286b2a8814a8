import { Injectable } from '@nestjs/common';
import { ClientLockouts } from '@scep/transport';
import type { ScepEndpoint } from '../endpoints/scep-endpoint';
import { gatewayConfig } from '../gateway-config';
import { FailureBudget } from './failure-budget';

/**
 * What is decided about a client before any RSA work (docs/adr/008-abuse-and-client-addresses.md): locked out of
 * the profile (announced by the challenge service), or over its budget of FAILURE replies. Either way HTTP 429 with
 * Retry-After.
 */
@Injectable()
export class RequestThrottle {
  private readonly config = gatewayConfig();
  private readonly budget = new FailureBudget(this.config.SCEP_GATEWAY_FAILURES_PER_CLIENT, this.config.SCEP_GATEWAY_FAILURE_WINDOW_SECONDS * 1000, 100_000);

  constructor(private readonly lockouts: ClientLockouts) {}

  /** Seconds to wait, and why, when the client may not send a PKIOperation now. */
  retryAfter(endpoint: ScepEndpoint, clientAddress: string): { seconds: number; reason: 'locked' | 'failure_budget' } | undefined {
    const lockedUntil = this.lockouts.lockedUntil(endpoint.tenantId, endpoint.profileId, clientAddress);
    if (lockedUntil) return { seconds: Math.max(1, Math.ceil((lockedUntil - Date.now()) / 1000)), reason: 'locked' };
    if (this.exempt(clientAddress)) return undefined;
    const seconds = this.budget.retryAfterSeconds(profileKey(endpoint), clientAddress);
    return seconds ? { seconds, reason: 'failure_budget' } : undefined;
  }

  /** A signed FAILURE was sent to the client. */
  failureReplied(endpoint: ScepEndpoint, clientAddress: string): void {
    if (this.exempt(clientAddress)) return;
    this.budget.recordFailure(profileKey(endpoint), clientAddress);
  }

  /** The policy service said the client is locked out (this replica missed the announcement). */
  locked(endpoint: ScepEndpoint, clientAddress: string, retryAfterSeconds: number): void {
    this.lockouts.remember({ tenantId: endpoint.tenantId, profileId: endpoint.profileId, clientAddress, untilMs: Date.now() + retryAfterSeconds * 1000 });
  }

  private exempt(clientAddress: string): boolean {
    return this.config.SCEP_GATEWAY_FAILURE_BUDGET_EXEMPT_CIDRS?.matches(clientAddress) ?? false;
  }
}

function profileKey(endpoint: ScepEndpoint): string {
  return `${endpoint.tenantId}/${endpoint.profileId}`;
}
