import pino, { type Logger, type LoggerOptions } from 'pino';

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

export function createLogger(service: string, level: string): Logger {
  return pino(loggerOptions(service, level));
}

/** Request path without the query string: GET PKIOperation URLs carry whole pkiMessages. */
export function pathOnly(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
