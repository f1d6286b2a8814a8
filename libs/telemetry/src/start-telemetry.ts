import { NodeSDK } from '@opentelemetry/sdk-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NoopSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { ScrubbingSpanProcessor } from './scrubbing-span-processor';
import { loadTelemetryConfig } from './telemetry-config';

export interface TelemetryHandle {
  /** Flushes pending spans and stops the SDK. */
  shutdown(): Promise<void>;
}

let handle: TelemetryHandle | undefined;

function httpInstrumentation(): HttpInstrumentation {
  // Never record request/response headers (Authorization, API keys).
  return new HttpInstrumentation({
    headersToSpanAttributes: { client: { requestHeaders: [], responseHeaders: [] }, server: { requestHeaders: [], responseHeaders: [] } },
  });
}

function exporterFor(kind: 'otlp' | 'console'): SpanExporter {
  return kind === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter();
}

/**
 * Starts the OpenTelemetry Node SDK. Must run before @nestjs/*, pg, ioredis and pino are loaded, so every
 * service's main.ts imports its `instrument.ts` first. Idempotent within a process.
 */
export function startTelemetry(serviceName: string, extraProcessors: SpanProcessor[] = []): TelemetryHandle {
  if (handle) return handle;
  const config = loadTelemetryConfig();
  const processors: SpanProcessor[] = [...extraProcessors];
  const exporting = config.OTEL_TRACES_EXPORTER !== 'none' || extraProcessors.length > 0;
  if (config.OTEL_TRACES_EXPORTER !== 'none') {
    processors.push(
      new BatchSpanProcessor(exporterFor(config.OTEL_TRACES_EXPORTER), {
        scheduledDelayMillis: config.OTEL_BSP_SCHEDULE_DELAY,
      }),
    );
  }
  // Without any processor NodeSDK registers no tracer provider: no context propagation, no trace_id in logs.
  if (processors.length === 0) processors.push(new NoopSpanProcessor());
  if (config.OTEL_SDK_DISABLED === 'true') {
    handle = { shutdown: async () => undefined };
    return handle;
  }
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: processors.map((p) => new ScrubbingSpanProcessor(p)),
    // Explicitly none: NodeSDK otherwise builds OTLP metric and log exporters from unset env vars, and its shutdown
    // then waits seconds for an endpoint that is not there. Metrics arrive with their own issue.
    metricReaders: [],
    logRecordProcessors: [],
    // Exporting: every span. Not exporting: only what gives log lines their trace_id across services (our own
    // SCEP, RPC and queue spans, the pino hook); the generic HTTP, Nest, SQL and Redis spans that nobody would see
    // cost ~0.5 ms of CPU per enrollment, the HTTP server span alone ~110 µs per request
    // (docs/adr/007-enrollment-path-v2.md).
    instrumentations: exporting
      ? [
          httpInstrumentation(),
          new PgInstrumentation({ enhancedDatabaseReporting: false }),
          // Record the command only: values may be challenges, job payloads or rate-limit keys.
          new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
          new NestInstrumentation(),
          new PinoInstrumentation(),
          new UndiciInstrumentation(),
        ]
      : [new PinoInstrumentation()],
  });
  sdk.start();
  handle = { shutdown: () => sdk.shutdown() };
  return handle;
}
