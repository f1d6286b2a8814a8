import { z } from 'zod';
import { loadConfig } from '@scep/config';

export const telemetryEnv = z.object({
  /** none | otlp (OTLP/HTTP JSON to OTEL_EXPORTER_OTLP_ENDPOINT) | console. */
  OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp', 'console']).default('none'),
  /** Batch export delay; tests lower it so spans arrive quickly. */
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(10).max(60000).default(2000),
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).default('false'),
});
export type TelemetryConfig = z.infer<typeof telemetryEnv>;

export const loadTelemetryConfig = () => loadConfig(telemetryEnv);
