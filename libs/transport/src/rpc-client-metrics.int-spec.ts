import './test-env.int';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import { z } from 'zod';
import { defineRpc } from '@scep/contracts';
import { ServiceMetrics } from '@scep/telemetry';
import { NatsConnection } from './nats-connection';
import { RpcClient } from './rpc-client';
import { RpcCallError, RpcUnavailableError } from './rpc-errors';
import { RpcHandler } from './rpc-handler.decorator';
import { rpcServerStrategy } from './rpc-server';

const Echo = defineRpc('test.metrics-echo', z.object({ text: z.string() }), z.object({ text: z.string() }));
const Refuse = defineRpc('test.metrics-refuse', z.object({}), z.object({}));
const Nobody = defineRpc('test.metrics-nobody', z.object({}), z.object({}));

@Controller()
class Backend {
  @RpcHandler(Echo)
  async echo(request: { text: string }) {
    return { text: request.text };
  }

  @RpcHandler(Refuse)
  async refuse(): Promise<never> {
    throw new RpcException({ code: 'INVALID_REQUEST', message: 'refused' });
  }
}

@Module({ controllers: [Backend] })
class ServerModule {}

describe('RPC client latency histogram (real NATS)', () => {
  let server: INestMicroservice;
  let client: TestingModule;

  beforeAll(async () => {
    server = (await Test.createTestingModule({ imports: [ServerModule] }).compile()).createNestMicroservice(rpcServerStrategy('test-service'));
    server.useLogger(false);
    await server.listen();
    client = await Test.createTestingModule({ providers: [NatsConnection, ServiceMetrics, RpcClient] }).compile();
    await client.init();
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('observes each call by contract name and outcome: ok, error, unavailable', async () => {
    const rpc = client.get(RpcClient);
    expect(await rpc.call(Echo, { text: 'a' })).toEqual({ text: 'a' });
    expect(await rpc.call(Echo, { text: 'b' })).toEqual({ text: 'b' });
    await expect(rpc.call(Refuse, {})).rejects.toBeInstanceOf(RpcCallError);
    await expect(rpc.call(Nobody, {}, { timeoutMs: 500 })).rejects.toBeInstanceOf(RpcUnavailableError);
    const text = await client.get(ServiceMetrics).registry.metrics();
    expect(text).toContain('scep_rpc_client_duration_seconds_count{method="test.metrics-echo",outcome="ok"} 2');
    expect(text).toContain('scep_rpc_client_duration_seconds_count{method="test.metrics-refuse",outcome="error"} 1');
    expect(text).toContain('scep_rpc_client_duration_seconds_count{method="test.metrics-nobody",outcome="unavailable"} 1');
    expect(text).not.toMatch(/scep_rpc_client_duration_seconds_count\{method="test.metrics-echo",outcome="(error|unavailable)"\} [1-9]/);
  });
});
