import pino, { type Logger, type LoggerOptions } from 'pino';
import { loadTelemetryConfig } from './telemetry-config';

/**
 * Paths removed from every log line. Secrets must not be logged in the first place; this is the safety net.
 * trace_id/span_id are added by the pino instrumentation when a span is active.
 */
export const REDACTED_LOG_PATHS = [
  'challenge',
  '*.challenge',
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
];

export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service, pid: process.pid },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** Bytes gathered before a write: a few log lines per syscall instead of one (every write costs ~10-30 µs). */
const LOG_BUFFER_BYTES = 4096;
/** Lines never wait longer than this in the buffer (quiet services, people tailing logs). */
const LOG_FLUSH_INTERVAL_MS = 250;

type LogDestination = ReturnType<typeof pino.destination>;
let destination: LogDestination | undefined;

/**
 * The process's one log destination: standard output, written asynchronously in batches of about 4 KB and at least
 * every 250 ms (LOG_WRITES=line: each line at once), flushed synchronously when the process exits (pino registers that). Everything a service writes to
 * stdout goes through it (the ready line too), so lines never interleave.
 */
export function logDestination(): LogDestination {
  if (!destination) {
    const stream =
      loadTelemetryConfig().LOG_WRITES === 'line'
        ? pino.destination({ dest: 1, sync: true })
        : pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
    setInterval(() => {
      // flush() throws while the stream is still opening or already ending: the next tick flushes.
      try {
        stream.flush();
      } catch {
        // not ready yet, or closing
      }
    }, LOG_FLUSH_INTERVAL_MS).unref();
    destination = stream;
  }
  return destination;
}

/** Writes whatever is buffered, now (before the process exits). */
export function flushLogs(): void {
  try {
    destination?.flushSync();
  } catch {
    // nothing buffered, or the stream is already closed
  }
}

export function createLogger(service: string, level: string): Logger {
  return pino(loggerOptions(service, level), logDestination());
}

/** Request path without the query string: GET PKIOperation URLs carry whole pkiMessages. */
export function pathOnly(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
