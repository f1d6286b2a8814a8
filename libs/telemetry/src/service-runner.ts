import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { flushLogs, logDestination } from './logger';
import type { TelemetryHandle } from './start-telemetry';

export interface ServiceDefinition<App extends INestApplicationContext> {
  readonly name: string;
  readonly telemetry: TelemetryHandle;
  /** Creates the Nest app (with `bufferLogs: true`). */
  readonly create: () => Promise<App>;
  /** Starts listening/consuming; returns details for the ready line (e.g. the URL). */
  readonly start: (app: App) => Promise<Record<string, unknown> | void>;
}

/**
 * The lifecycle every service shares: JSON logger, one `<name> ready` line (the dev launcher and the e2e tests wait
 * for it), graceful stop on SIGTERM/SIGINT (close the app, then flush spans), and a boot failure that names what
 * to fix without printing values.
 */
export async function runService<App extends INestApplicationContext>(definition: ServiceDefinition<App>): Promise<void> {
  let app: App | undefined;
  try {
    app = await definition.create();
    const logger = app.get(Logger);
    app.useLogger(logger);
    const details = await definition.start(app);
    // The ready line is a protocol with the launcher (npm start, tests, orchestration): written whatever LOG_LEVEL,
    // through the log destination (one writer to stdout), flushed at once; also sent over IPC when there is a channel.
    const ready = { level: 'info', time: new Date().toISOString(), service: definition.name, pid: process.pid, ...(details ?? {}), event: 'ready', msg: `${definition.name} ready` };
    logDestination().write(`${JSON.stringify(ready)}\n`);
    flushLogs();
    process.send?.(ready);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${definition.name} failed to start: ${message}\n`);
    await app?.close().catch(() => undefined);
    await definition.telemetry.shutdown().catch(() => undefined);
    flushLogs();
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    try {
      app?.get(Logger).log({ signal, event: 'stopping' }, `${definition.name} stopping`);
      await app?.close();
    } finally {
      await definition.telemetry.shutdown().catch(() => undefined);
      flushLogs();
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
