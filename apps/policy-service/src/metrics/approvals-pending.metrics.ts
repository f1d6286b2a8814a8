import { Injectable } from '@nestjs/common';
import { EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { ServiceMetrics, scrapeGauge } from '@scep/telemetry';
import { TenantSlugs } from './tenant-slugs';

/** Tenants with pending requests read per scrape at most. */
export const MAX_PENDING_TENANTS = 10_000;

/**
 * scep_approvals_pending{tenant}: requests waiting for an operator's approval and not yet expired
 * (docs/adr/005-challenges-policy-approval.md), counted in the database when Prometheus scrapes (at most every
 * 15 s; the slugs cached, so mostly one query; every replica reports the same totals, dashboards take the max).
 * Without tenant labels: one total.
 */
@Injectable()
export class ApprovalsPendingMetrics {
  constructor(metrics: ServiceMetrics, transactions: EnrollmentTransactionRepository, tenantSlugs: TenantSlugs) {
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
          // Tenants whose slug could not be read share tenant="" (summed, not one series overwriting the other).
          const byTenant = new Map<string, number>();
          for (const { tenantId, pending } of counts) {
            const tenant = slugs.get(tenantId) ?? '';
            byTenant.set(tenant, (byTenant.get(tenant) ?? 0) + pending);
          }
          return [...byTenant].map(([tenant, pending]) => ({ tenant, pending }));
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
