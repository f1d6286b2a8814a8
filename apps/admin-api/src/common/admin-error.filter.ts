import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RpcCallError, RpcUnavailableError } from '@scep/transport';
import { AdminError, type AdminErrorCode } from './admin-error';

function statusOf(code: AdminErrorCode): number {
  switch (code) {
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'forbidden':
      return 403;
    case 'invalid':
      return 400;
    case 'signer_timeout':
      return 504;
    case 'unavailable':
      return 503;
    case 'failed':
      return 502;
  }
}

/** The one mapping from errors to HTTP answers: JSON `{error, message, field?}`; internals never leak. */
@Catch()
export class AdminErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(AdminErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof AdminError) {
      void reply.code(statusOf(exception.code)).send({ error: exception.code, message: exception.message, ...(exception.field ? { field: exception.field } : {}) });
      return;
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      void reply.code(exception.getStatus()).send(typeof body === 'string' ? { error: 'http_error', message: body } : body);
      return;
    }
    if (exception instanceof RpcUnavailableError) {
      void reply.code(503).send({ error: 'unavailable', message: 'a backing service is unavailable, retry later' });
      return;
    }
    this.logger.error({ err: exception instanceof Error ? { name: exception.name, message: exception.message } : String(exception), rpc: exception instanceof RpcCallError }, 'unhandled error');
    void reply.code(500).send({ error: 'internal', message: 'internal error' });
  }
}
