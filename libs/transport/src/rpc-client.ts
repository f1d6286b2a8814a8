import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { type NatsError, headers as natsHeaders } from 'nats';
import type { z } from 'zod';
import { type RpcContract, rpcSubject } from '@scep/contracts';
import { injectTraceContext } from '@scep/telemetry';
import { NatsConnection } from './nats-connection';
import { UNAVAILABLE } from './dependency-unavailable';
import { RpcCallError, RpcUnavailableError } from './rpc-errors';
import { transportConfig } from './transport-config';

const tracer = trace.getTracer('scep-rpc');

/** The reply packet of Nest's NATS server strategy (rpcServerStrategy), which handles our requests. */
interface ReplyPacket {
  readonly response?: unknown;
  readonly err?: unknown;
  readonly status?: string;
}

export interface RpcCallOptions {
  /** Overrides RPC_TIMEOUT_MS for a call that legitimately waits (an enrollment waiting for its certificate). */
  readonly timeoutMs?: number;
}

/**
 * Typed request/response over NATS (docs/adr/001-rpc-transport.md). Validates the request before sending and the
 * response on receipt, carries the trace context in NATS headers, and bounds every call with a timeout.
 *
 * It speaks the packet format of Nest's NATS server strategy ({pattern, data, id} → {response | err}) but sends
 * through the NATS client's request(): one publish on the connection's shared reply inbox, where Nest's ClientNats
 * subscribes and unsubscribes a fresh inbox per call (three protocol operations and server-side subscription churn
 * per request; docs/adr/007-enrollment-path-v2.md).
 */
@Injectable()
export class RpcClient {
  private readonly config = transportConfig();

  constructor(private readonly nats: NatsConnection) {}

  async call<Req extends z.ZodType, Res extends z.ZodType>(contract: RpcContract<Req, Res>, request: z.input<Req>, options: RpcCallOptions = {}): Promise<z.output<Res>> {
    const payload = contract.request.parse(request);
    const subject = rpcSubject(this.config.RPC_NAMESPACE, contract);
    const span = tracer.startSpan(`rpc ${contract.name}`, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'nats', 'rpc.method': contract.name } });
    try {
      const headers = natsHeaders();
      injectTraceContext((key, value) => headers.set(key, value), trace.setSpan(context.active(), span));
      const body = Buffer.from(JSON.stringify({ pattern: subject, data: payload, id: randomUUID() }));
      let reply: ReplyPacket;
      try {
        const connection = await this.nats.get();
        const message = await connection.request(subject, body, { timeout: options.timeoutMs ?? this.config.RPC_TIMEOUT_MS, headers });
        reply = JSON.parse(Buffer.from(message.data).toString('utf8')) as ReplyPacket;
      } catch (error) {
        throw unavailableOr(contract.name, error);
      }
      if (reply.err !== undefined || reply.status === 'error') throw remoteError(contract.name, reply.err);
      const parsed = contract.response.safeParse(reply.response);
      if (!parsed.success) throw new RpcCallError(contract.name, 'response outside contract');
      return parsed.data;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      throw error;
    } finally {
      span.end();
    }
  }
}

/** No responder, timeout, connection down or draining: the call may or may not have run; the caller retries later. */
function unavailableOr(method: string, error: unknown): Error {
  if (error instanceof SyntaxError) return new RpcCallError(method, 'malformed reply');
  const code = (error as Partial<NatsError> | undefined)?.code;
  if (code !== undefined) return new RpcUnavailableError(method);
  return error instanceof Error ? error : new RpcUnavailableError(method);
}

/** A request field path as handlers name them (`webhook.url`, `rules.subject.template.0.pattern`). */
const FIELD_PATH = /^[A-Za-z0-9_.[\]-]{1,100}$/;

/** The handler threw: an RpcException carries {code, message, field?}; anything else is a bug on the other side. */
function remoteError(method: string, err: unknown): RpcCallError | RpcUnavailableError {
  if (typeof err === 'object' && err !== null) {
    const { code, message, field } = err as { code?: unknown; message?: unknown; field?: unknown };
    // The handler's own dependency is down (DependencyUnavailableRpcFilter): to this caller, the call is unavailable.
    if (code === UNAVAILABLE) return new RpcUnavailableError(method);
    return new RpcCallError(
      method,
      typeof message === 'string' ? message.slice(0, 200) : 'remote error',
      typeof code === 'string' ? code : undefined,
      typeof field === 'string' && FIELD_PATH.test(field) ? field : undefined,
    );
  }
  return new RpcCallError(method, typeof err === 'string' ? err.slice(0, 200) : 'remote error');
}
