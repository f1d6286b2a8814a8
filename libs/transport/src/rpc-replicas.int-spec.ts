import './test-env.int';
import { Controller, Inject, Injectable, type INestMicroservice, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { z } from 'zod';
import { defineRpc } from '@scep/contracts';
import { NatsConnection } from './nats-connection';
import { RpcClient } from './rpc-client';
import { RpcHandler } from './rpc-handler.decorator';
import { rpcServerStrategy } from './rpc-server';

/** Guards the property ADR 001 chose NATS for: with several replicas, each request is handled exactly once. */
const Consume = defineRpc('test.consume', z.object({ n: z.number() }), z.object({ replica: z.string() }));
const handled: Array<{ replica: string; n: number }> = [];

@Controller()
class ConsumeController {
  constructor(@Inject('REPLICA') private readonly replica: string) {}

  @RpcHandler(Consume)
  async consume(request: { n: number }) {
    handled.push({ replica: this.replica, n: request.n });
    return { replica: this.replica };
  }
}

const replicaModule = (name: string) => {
  @Module({ controllers: [ConsumeController], providers: [{ provide: 'REPLICA', useValue: name }] })
  class ReplicaModule {}
  return ReplicaModule;
};

@Injectable()
class Holder {
  constructor(readonly rpc: RpcClient) {}
}

describe('RPC with two replicas of a service (real NATS)', () => {
  const servers: INestMicroservice[] = [];
  let client: TestingModule;

  beforeAll(async () => {
    for (const name of ['replica-a', 'replica-b']) {
      const ref = await Test.createTestingModule({ imports: [replicaModule(name)] }).compile();
      const server = ref.createNestMicroservice(rpcServerStrategy('consumer-service'));
      await server.listen();
      servers.push(server);
    }
    client = await Test.createTestingModule({ providers: [NatsConnection, RpcClient, Holder] }).compile();
    await client.init();
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    for (const server of servers) await server.close();
  });

  it('delivers each of 200 requests to exactly one replica, spread over both', async () => {
    const rpc = client.get(Holder).rpc;
    const answers = await Promise.all(Array.from({ length: 200 }, (_, n) => rpc.call(Consume, { n })));
    expect(handled).toHaveLength(200);
    expect(new Set(handled.map((h) => h.n)).size).toBe(200);
    const perReplica = new Map<string, number>();
    for (const a of answers) perReplica.set(a.replica, (perReplica.get(a.replica) ?? 0) + 1);
    expect([...perReplica.keys()].sort()).toEqual(['replica-a', 'replica-b']);
  });
});
