import { Inject, Injectable, Optional } from '@nestjs/common';
import { type Metric, Registry, collectDefaultMetrics } from 'prom-client';
import { loadMetricsConfig } from './metrics-config';
import { TenantLabels } from './tenant-labels';

export interface ServiceMetricsOptions {
  /** Overrides METRICS_TENANT_LABELS (tests). */
  readonly tenantLabels?: boolean;
}

export const SERVICE_METRICS_OPTIONS = Symbol('SERVICE_METRICS_OPTIONS');

/**
 * The Prometheus registry of one service process: Node's and the process's default metrics under their standard
 * names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …, so that standard dashboards find them), plus
 * whatever the service registers. A registry per app, not the global one: several apps may share a test process.
 */
@Injectable()
export class ServiceMetrics {
  readonly registry = new Registry();
  /** Whether per-tenant metrics carry `tenant`/`profile` labels (METRICS_TENANT_LABELS). */
  readonly tenants: TenantLabels;

  constructor(@Optional() @Inject(SERVICE_METRICS_OPTIONS) options?: ServiceMetricsOptions) {
    collectDefaultMetrics({ register: this.registry });
    this.tenants = new TenantLabels(options?.tenantLabels ?? loadMetricsConfig().METRICS_TENANT_LABELS === 'true');
  }

  /**
   * The metric registered under `name`, created by `create` on first use: a metric several providers of one app
   * record into (the RPC client's histogram in an app with two clients) is registered once.
   */
  shared<M extends Metric>(name: string, create: (registry: Registry) => M): M {
    return (this.registry.getSingleMetric(name) as M | undefined) ?? create(this.registry);
  }
}
