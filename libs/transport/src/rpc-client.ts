import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { headers as natsHeaders } from 'nats';
import { firstValueFrom, timeout } from 'rxjs';
import type { z } from 'zod';
import { type RpcContract, rpcSubject } from '@scep/contracts';
import { injectTraceContext } from '@scep/telemetry';
import { RpcCallError, RpcUnavailableError } from './rpc-errors';
import { transportConfig } from './transport-config';

const tracer = trace.getTracer('scep-rpc');

/**
 * Typed request/response over NATS (docs/adr/001-rpc-transport.md). Validates the request before sending and the
 * response on receipt, carries the trace context in NATS headers, and bounds every call with a timeout.
 */
@Injectable()
export class RpcClient implements OnModuleInit, OnApplicationShutdown {
  private readonly config = transportConfig();
  private readonly client = new ClientNats({ servers: [this.config.NATS_URL], name: 'scep-rpc-client' });

  async onModuleInit(): Promise<void> {
    await this.client.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }

  async call<Req extends z.ZodType, Res extends z.ZodType>(
    contract: RpcContract<Req, Res>,
    request: z.input<Req>,
  ): Promise<z.output<Res>> {
    const payload = contract.request.parse(request);
    const subject = rpcSubject(this.config.RPC_NAMESPACE, contract);
    const span = tracer.startSpan(`rpc ${contract.name}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'rpc.system': 'nats', 'rpc.method': contract.name },
    });
    try {
      const ctx = trace.setSpan(context.active(), span);
      const headers = natsHeaders();
      injectTraceContext((key, value) => headers.set(key, value), ctx);
      const record = new NatsRecordBuilder(payload).setHeaders(headers).build();
      let raw: unknown;
      try {
        raw = await context.with(ctx, () =>
          firstValueFrom(this.client.send(subject, record).pipe(timeout(this.config.RPC_TIMEOUT_MS))),
        );
      } catch (error) {
        throw this.classify(contract.name, error);
      }
      const parsed = contract.response.safeParse(raw);
      if (!parsed.success) throw new RpcCallError(contract.name, 'response outside contract');
      return parsed.data;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      throw error;
    } finally {
      span.end();
    }
  }

  private classify(method: string, error: unknown): Error {
    const name = error instanceof Error ? error.name : '';
    const message = error instanceof Error ? error.message : typeof error === 'object' && error ? String((error as { message?: unknown }).message ?? '') : String(error);
    // Nest reports "no subscribers listening" when no replica serves the subject (EmptyResponseException).
    if (name === 'TimeoutError' || /no subscribers|no responders|CONNECTION_REFUSED|TIMEOUT|disconnect|closed/i.test(message)) {
      return new RpcUnavailableError(method);
    }
    return new RpcCallError(method, message.slice(0, 200) || 'remote error');
  }
}
