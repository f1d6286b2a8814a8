import { LoggerModule } from 'nestjs-pino';
import type { DynamicModule } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loggerOptions, pathOnly } from './logger';

/**
 * JSON logging for a Nest app: one line per HTTP request with the path only (no query, no headers),
 * method, status and duration; trace ids from the active span.
 */
export function telemetryLoggerModule(service: string, level: string): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      ...loggerOptions(service, level),
      quietReqLogger: true,
      serializers: {
        req: (req: IncomingMessage & { id?: unknown }) => ({ method: req.method, path: pathOnly(req.url) }),
        res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      },
    },
  });
}
