import { z } from 'zod';
import { loadConfig } from '@scep/config';

export const metricsEnv = z.object({
  /**
   * `true` (default): per-tenant metrics carry `tenant` and `profile` labels (slugs). `false` drops them, for
   * deployments with very many tenants (docs/operations/service-interfaces.md, "Metrics").
   */
  METRICS_TENANT_LABELS: z.enum(['true', 'false']).default('true'),
});
export type MetricsConfig = z.infer<typeof metricsEnv>;

export const loadMetricsConfig = (): MetricsConfig => loadConfig(metricsEnv);
