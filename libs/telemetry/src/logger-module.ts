import { LoggerModule } from 'nestjs-pino';
import { type DynamicModule, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logDestination, loggerOptions, pathOnly } from './logger';

/** POST to a SCEP path, or GET with operation=PKIOperation (compared case-insensitively, as the gateway does). */
function isPkiOperation(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  if (!url.startsWith('/scep/')) return false;
  return req.method === 'POST' || /[?&]operation=pkioperation(&|$)/i.test(url);
}

/**
 * JSON logging for a Nest app: one line per HTTP request with the path only (no query, no headers),
 * method, status and duration; trace ids from the active span; written through the buffered destination.
 */
export function telemetryLoggerModule(service: string, level: string, options: { withoutRequestLoggingFor?: string[] } = {}): DynamicModule {
  return LoggerModule.forRoot({
    // Paths whose every request would pay for pino-http's per-request child logger (~20 µs) for a line they do not
    // need (the gateway's SCEP routes write their own).
    ...(options.withoutRequestLoggingFor?.length ? { exclude: options.withoutRequestLoggingFor.map((path) => ({ path, method: RequestMethod.ALL })) } : {}),
    pinoHttp: [
      {
        ...loggerOptions(service, level),
        quietReqLogger: true,
        // A PKIOperation gets one line of its own (the gateway's "PKIOperation", with the outcome); the generic
        // "request completed" line would only repeat it, at a write per request.
        autoLogging: { ignore: isPkiOperation },
        serializers: {
          req: (req: IncomingMessage & { id?: unknown }) => ({ method: req.method, path: pathOnly(req.url) }),
          res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
        },
      },
      logDestination(),
    ],
  });
}
