import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isDependencyUnavailable } from '@scep/transport';

/**
 * Every error the gateway answers outside a CertRep is a short text/plain body (scep-protocol.md §2.5): 413 for an
 * oversize body, 4xx from the HTTP layer as is, 503 with Retry-After while a dependency (PostgreSQL, NATS) is down,
 * 500 only for bugs (logged, never detailed to the client).
 */
@Catch()
export class PlainTextExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(PlainTextExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (isDependencyUnavailable(exception)) {
      void reply.code(503).header('content-type', 'text/plain').header('retry-after', '10').send(Buffer.from('service temporarily unavailable\n'));
      return;
    }
    const status = statusOf(exception);
    if (status >= 500) {
      this.logger.error({ err: exception instanceof Error ? { name: exception.name, message: exception.message, stack: exception.stack } : String(exception) }, 'unhandled error');
    }
    const text = status === 413 ? 'request body too large' : status === 404 ? 'not found' : status < 500 ? 'bad request' : 'internal error';
    void reply.code(status).header('content-type', 'text/plain').send(Buffer.from(`${text}\n`));
  }
}

function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  const code = (exception as { statusCode?: unknown })?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 500 ? code : 500;
}
