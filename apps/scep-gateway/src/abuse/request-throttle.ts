import { Injectable } from '@nestjs/common';
import { ClientLockouts } from '@scep/transport';
import type { ScepEndpoint } from '../endpoints/scep-endpoint';
import { gatewayConfig } from '../gateway-config';
import { ScepMetrics } from '../metrics/scep-metrics';
import { FailureBudget } from './failure-budget';

/**
 * What is decided about a client before any RSA work (docs/adr/008-abuse-and-client-addresses.md): locked out of
 * the profile (announced by the challenge service), or over its budget of FAILURE replies. Either way HTTP 429 with
 * Retry-After. Each refusal is counted (scep_requests_throttled_total, by reason).
 */
@Injectable()
export class RequestThrottle {
  private readonly config = gatewayConfig();
  private readonly budget = new FailureBudget(this.config.SCEP_GATEWAY_FAILURES_PER_CLIENT, this.config.SCEP_GATEWAY_FAILURE_WINDOW_SECONDS * 1000, 100_000);

  constructor(
    private readonly lockouts: ClientLockouts,
    private readonly metrics: ScepMetrics,
  ) {}

  /** Seconds to wait, and why, when the client may not send a PKIOperation now (the caller answers 429). */
  retryAfter(endpoint: ScepEndpoint, clientAddress: string): { seconds: number; reason: 'locked' | 'failure_budget' } | undefined {
    const lockedUntil = this.lockouts.lockedUntil(endpoint.tenantId, endpoint.profileId, clientAddress);
    if (lockedUntil) {
      this.metrics.throttled('locked');
      return { seconds: Math.max(1, Math.ceil((lockedUntil - Date.now()) / 1000)), reason: 'locked' };
    }
    if (this.exempt(clientAddress)) return undefined;
    const seconds = this.budget.retryAfterSeconds(profileKey(endpoint), clientAddress);
    if (!seconds) return undefined;
    this.metrics.throttled('failure_budget');
    return { seconds, reason: 'failure_budget' };
  }

  /** A signed FAILURE was sent to the client. */
  failureReplied(endpoint: ScepEndpoint, clientAddress: string): void {
    if (this.exempt(clientAddress)) return;
    this.budget.recordFailure(profileKey(endpoint), clientAddress);
  }

  /** The policy service said the client is locked out (this replica missed the announcement); the caller answers 429. */
  locked(endpoint: ScepEndpoint, clientAddress: string, retryAfterSeconds: number): void {
    this.metrics.throttled('locked');
    this.lockouts.remember({ tenantId: endpoint.tenantId, profileId: endpoint.profileId, clientAddress, untilMs: Date.now() + retryAfterSeconds * 1000 });
  }

  private exempt(clientAddress: string): boolean {
    return this.config.SCEP_GATEWAY_FAILURE_BUDGET_EXEMPT_CIDRS?.matches(clientAddress) ?? false;
  }
}

function profileKey(endpoint: ScepEndpoint): string {
  return `${endpoint.tenantId}/${endpoint.profileId}`;
}
