import { Injectable } from '@nestjs/common';
import { EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { TenantSlugReader } from '@scep/persistence-read';
import { ServiceMetrics, scrapeGauge } from '@scep/telemetry';

/** Tenants with pending requests read per scrape at most. */
export const MAX_PENDING_TENANTS = 10_000;

/**
 * scep_approvals_pending{tenant}: requests waiting for an operator's approval and not yet expired
 * (docs/adr/005-challenges-policy-approval.md), counted in the database when Prometheus scrapes (at most every
 * 15 s; two queries whatever the number of tenants; every replica reports the same totals, dashboards take the max).
 * Without tenant labels: one total.
 */
@Injectable()
export class ApprovalsPendingMetrics {
  constructor(metrics: ServiceMetrics, transactions: EnrollmentTransactionRepository, tenantSlugs: TenantSlugReader) {
    const tenants = metrics.tenants;
    scrapeGauge({
      name: 'scep_approvals_pending',
      help: 'Enrollment requests awaiting an operator’s approval (not expired).',
      labelNames: tenants.names([], ['tenant']),
      registry: metrics.registry,
      source: {
        read: async () => {
          const counts = await transactions.pendingCounts(MAX_PENDING_TENANTS);
          const slugs = tenants.enabled ? await tenantSlugs.slugsOf(counts.map((c) => c.tenantId)) : new Map<string, string>();
          return counts.map(({ tenantId, pending }) => ({ tenant: slugs.get(tenantId) ?? '', pending }));
        },
        maxAgeMs: 15_000,
        timeoutMs: 2000,
      },
      show: (gauge, counts) => {
        if (!tenants.enabled) gauge.set(counts.reduce((sum, c) => sum + c.pending, 0));
        else for (const { tenant, pending } of counts) gauge.set({ tenant }, pending);
      },
    });
  }
}
