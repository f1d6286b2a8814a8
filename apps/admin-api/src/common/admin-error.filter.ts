import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RpcCallError, RpcUnavailableError } from '@scep/transport';
import { AdminError, type AdminErrorCode, INTERNAL_MESSAGE, adminErrorFromRpc, unreachable } from './admin-error';

/** Seconds a client should wait before retrying a 503 (a backing service restarting, NATS reconnecting). */
export const RETRY_AFTER_SECONDS = 5;

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
    case 'internal':
      return 500;
    default:
      return unreachable(code);
  }
}

/**
 * The one mapping from errors to HTTP answers: JSON `{error, message, field?}`; internals never leak. RPC refusals
 * are mapped by their remote code (adminErrorFromRpc); an unreachable backing service is 503 with Retry-After.
 */
@Catch()
export class AdminErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(AdminErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof RpcCallError) {
      const mapped = adminErrorFromRpc(exception);
      if (mapped.code === 'internal') {
        this.logger.error({ rpc: exception.method, code: exception.code, reason: exception.reason }, 'backing service failed the request');
      }
      return this.send(reply, mapped);
    }
    if (exception instanceof AdminError) return this.send(reply, exception);
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      void reply.code(exception.getStatus()).send(typeof body === 'string' ? { error: 'http_error', message: body } : body);
      return;
    }
    if (exception instanceof RpcUnavailableError) {
      this.logger.warn({ rpc: exception.method }, 'backing service unavailable');
      return this.send(reply, new AdminError('unavailable', 'a backing service is unavailable, retry later'));
    }
    this.logger.error({ err: exception instanceof Error ? { name: exception.name, message: exception.message } : String(exception) }, 'unhandled error');
    this.send(reply, new AdminError('internal', INTERNAL_MESSAGE));
  }

  private send(reply: FastifyReply, error: AdminError): void {
    const status = statusOf(error.code);
    if (status === 503) void reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
    void reply.code(status).send({ error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) });
  }
}
