import { Injectable } from '@nestjs/common';
import { EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { ServiceMetrics, scrapeGauge } from '@scep/telemetry';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';

/** Profiles with pending requests read per scrape at most. */
export const MAX_PENDING_PROFILES = 10_000;

/**
 * scep_approvals_pending{tenant}: requests waiting for an operator's approval and not yet expired
 * (docs/adr/005-challenges-policy-approval.md), counted in the database when Prometheus scrapes (at most every
 * 15 s; every replica reports the same totals, dashboards take the max). Without tenant labels: one total.
 */
@Injectable()
export class ApprovalsPendingMetrics {
  constructor(metrics: ServiceMetrics, transactions: EnrollmentTransactionRepository, profiles: ProfileSettingsCache) {
    const tenants = metrics.tenants;
    scrapeGauge({
      name: 'scep_approvals_pending',
      help: 'Enrollment requests awaiting an operator’s approval (not expired).',
      labelNames: tenants.names([], ['tenant']),
      registry: metrics.registry,
      source: {
        read: async () => {
          const counts = await transactions.pendingCounts(MAX_PENDING_PROFILES);
          const byTenant = new Map<string, number>();
          for (const { tenantId, profileId, pending } of counts) {
            const tenant = tenants.enabled ? ((await profiles.get(tenantId, profileId))?.tenantSlug ?? '') : '';
            byTenant.set(tenant, (byTenant.get(tenant) ?? 0) + pending);
          }
          return byTenant;
        },
        maxAgeMs: 15_000,
        timeoutMs: 2000,
      },
      show: (gauge, byTenant) => {
        if (!tenants.enabled) gauge.set([...byTenant.values()].reduce((a, b) => a + b, 0));
        else for (const [tenant, pending] of byTenant) gauge.set({ tenant }, pending);
      },
    });
  }
}
