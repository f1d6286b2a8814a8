import { testRun } from './test-env.int';
import { Controller, type INestMicroservice, Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { SpanKind, context, propagation, trace } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Queue, Worker } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { z } from 'zod';
import { defineRpc } from '@scep/contracts';
import { deleteRedisPrefix } from '@scep/testing';
import { NatsConnection } from './nats-connection';
import { RpcClient } from './rpc-client';
import { RpcUnavailableError } from './rpc-errors';
import { RpcHandler } from './rpc-handler.decorator';
import { rpcServerStrategy } from './rpc-server';

// One in-memory exporter for the whole process: the client and server halves run here, over the real NATS and Redis.
const exporter = new tracing.InMemorySpanExporter();
const provider = new tracing.BasicTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const Echo = defineRpc('test.echo', z.object({ text: z.string() }), z.object({ text: z.string(), traceId: z.string() }));
const Strict = defineRpc('test.strict', z.object({ n: z.number() }), z.object({ n: z.number() }));

@Controller()
class EchoController {
  @RpcHandler(Echo)
  async echo(request: { text: string }) {
    const child = trace.getTracer('test').startSpan('handler work');
    child.end();
    return { text: request.text, traceId: trace.getActiveSpan()?.spanContext().traceId ?? 'none' };
  }

  @RpcHandler(Strict)
  async strict(request: { n: number }) {
    return { n: request.n * 2 };
  }
}

@Module({ controllers: [EchoController] })
class ServerModule {}

@Injectable()
class Holder {
  constructor(readonly rpc: RpcClient) {}
}

@Module({ providers: [NatsConnection, RpcClient, Holder] })
class ClientModule {}

describe('trace context across the RPC and queue hops (real NATS and Redis)', () => {
  let server: INestMicroservice;
  let clientApp: TestingModule;
  let rpc: RpcClient;

  beforeAll(async () => {
    const serverRef = await Test.createTestingModule({ imports: [ServerModule] }).compile();
    server = serverRef.createNestMicroservice(rpcServerStrategy('test-service'));
    await server.listen();
    clientApp = await Test.createTestingModule({ imports: [ClientModule] }).compile();
    await clientApp.init();
    rpc = clientApp.get(Holder).rpc;
  }, 30_000);

  afterAll(async () => {
    await clientApp?.close();
    await server?.close();
    await deleteRedisPrefix(testRun);
  });

  beforeEach(() => exporter.reset());

  it('continues the caller trace in the handler: one trace, client span parent of server span', async () => {
    const root = trace.getTracer('test').startSpan('enrollment');
    const answer = await context.with(trace.setSpan(context.active(), root), () => rpc.call(Echo, { text: 'hi' }));
    root.end();

    expect(answer.text).toBe('hi');
    expect(answer.traceId).toBe(root.spanContext().traceId);
    const spans = exporter.getFinishedSpans();
    const client = spans.find((s) => s.kind === SpanKind.CLIENT && s.name === 'rpc test.echo');
    const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'rpc test.echo');
    const work = spans.find((s) => s.name === 'handler work');
    expect(client?.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(serverSpan?.parentSpanContext?.spanId).toBe(client?.spanContext().spanId);
    expect(work?.parentSpanContext?.spanId).toBe(serverSpan?.spanContext().spanId);
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([root.spanContext().traceId]));
  });

  it('rejects a request outside the contract before it is sent', async () => {
    await expect(rpc.call(Strict, { n: 'x' } as never)).rejects.toThrow();
    await expect(rpc.call(Strict, { n: 2 })).resolves.toEqual({ n: 4 });
  });

  it('reports a missing service as unavailable, quickly', async () => {
    const Nobody = defineRpc('test.nobody', z.object({}), z.object({}));
    const t0 = Date.now();
    await expect(rpc.call(Nobody, {})).rejects.toBeInstanceOf(RpcUnavailableError);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('continues the trace through a BullMQ job (producer -> worker)', async () => {
    const connection = { url: process.env.REDIS_URL, maxRetriesPerRequest: null };
    const telemetry = new BullMQOtel({ tracerName: 'scep-queue' });
    const queue = new Queue('trace-test', { connection, prefix: testRun, telemetry });
    let seenTraceId: string | undefined;
    const worker = new Worker(
      'trace-test',
      async () => {
        seenTraceId = trace.getActiveSpan()?.spanContext().traceId;
        return 'done';
      },
      { connection, prefix: testRun, telemetry },
    );
    try {
      const root = trace.getTracer('test').startSpan('enqueue');
      await context.with(trace.setSpan(context.active(), root), () => queue.add('work', { x: 1 }));
      root.end();
      for (let i = 0; i < 100 && !seenTraceId; i++) await new Promise((r) => setTimeout(r, 50));
      expect(seenTraceId).toBe(root.spanContext().traceId);
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
