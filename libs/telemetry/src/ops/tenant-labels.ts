/** The labels that name a tenant's SCEP profile in per-tenant metrics (slugs, as in the SCEP URL). */
export type TenantLabelName = 'tenant' | 'profile';

/**
 * METRICS_TENANT_LABELS as the metrics use it: with it on, per-tenant metrics get `tenant` (and `profile`) labels
 * after their own; with it off, those labels do not exist at all (a label with one constant value would still be a
 * label), so a deployment with very many tenants keeps one series per label combination of the metric itself.
 */
export class TenantLabels {
  constructor(readonly enabled: boolean) {}

  /** The label names of a metric: its own, then `tenantNames` when enabled. */
  names<L extends string>(own: readonly L[], tenantNames: readonly TenantLabelName[] = ['tenant', 'profile']): Array<L | TenantLabelName> {
    return this.enabled ? [...own, ...tenantNames] : [...own];
  }

  /**
   * Label values in the order of `names(own, tenantNames)`: `own`, then the tenant values when enabled (for
   * prom-client's positional `labels(...)`, which binds a child once).
   */
  values(own: readonly string[], tenantValues: readonly string[]): string[] {
    return this.enabled ? [...own, ...tenantValues] : [...own];
  }

  /** A label object: `own` plus the tenant labels when enabled. */
  labels<O extends Record<string, string>>(own: O, tenant: Partial<Record<TenantLabelName, string>>): O & Partial<Record<TenantLabelName, string>> {
    return this.enabled ? { ...own, ...tenant } : own;
  }
}
