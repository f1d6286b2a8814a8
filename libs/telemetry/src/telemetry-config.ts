import { z } from 'zod';
import { loadConfig } from '@scep/config';

export const telemetryEnv = z.object({
  /** none | otlp (OTLP/HTTP JSON to OTEL_EXPORTER_OTLP_ENDPOINT) | console. */
  OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp', 'console']).default('none'),
  /** Batch export delay; tests lower it so spans arrive quickly. */
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(10).max(60000).default(2000),
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).default('false'),
  /**
   * buffered (default): log lines written in batches of about 4 KB, at least every 250 ms — a few lines per syscall.
   * line: every line written as it is logged (tests that read a service's log right after a request).
   */
  LOG_WRITES: z.enum(['buffered', 'line']).default('buffered'),
});
export type TelemetryConfig = z.infer<typeof telemetryEnv>;

export const loadTelemetryConfig = () => loadConfig(telemetryEnv);
