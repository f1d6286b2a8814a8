import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseRpcExceptionFilter, RpcException } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';
import { RpcUnavailableError } from './rpc-errors';

/** The code an RPC handler answers with when a dependency it needs is down: callers see RpcUnavailableError (503). */
export const UNAVAILABLE = 'UNAVAILABLE';

/** Network errors of a connection that is down, refused or timed out (Node's codes). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * PostgreSQL SQLSTATEs of an unreachable or overloaded server (class 08 connection exception, operator intervention
 * 57P01-57P03, too many connections, statement timeout / cancel), not of a bad statement.
 */
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[1-3]|53300|57014)$/;
/** Messages of node-postgres's pool and client when the server is gone, and of ioredis when Redis is. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection is closed|Reached the max retries per request limit|Stream isn't writeable|connect ECONNREFUSED/;

/**
 * Whether an error means "a dependency (PostgreSQL, Redis, NATS, another service) is unavailable", as opposed to a
 * bug or a bad request: the one case where the edge answers 503 with Retry-After instead of 500. Errors are told
 * apart by their codes and by the drivers' messages, wrapped ones too (TypeORM's QueryFailedError carries the pg
 * error as driverError; a few levels of `cause` are followed).
 */
export function isDependencyUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof RpcUnavailableError) return true;
    const { code, message, name } = current as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code))) return true;
    if (name === 'MaxRetriesPerRequestError') return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    const next = (current as { driverError?: unknown; cause?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
    current = next;
  }
  return false;
}

/**
 * For RPC servers: a handler that failed because a dependency is down answers `{code: UNAVAILABLE}` — the caller's
 * RpcClient turns that into RpcUnavailableError and its edge into 503 + Retry-After; everything else as Nest does.
 */
@Catch()
export class DependencyUnavailableRpcFilter extends BaseRpcExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): Observable<unknown> {
    if (!(exception instanceof RpcException) && isDependencyUnavailable(exception)) {
      return throwError(() => ({ status: 'error', code: UNAVAILABLE, message: 'a dependency is unavailable; retry later' }));
    }
    return super.catch(exception, host);
  }
}
