import { telemetry } from './instrument';
import { NestFactory } from '@nestjs/core';
import { OpsHttpServer, runService } from '@scep/telemetry';
import { rpcServerStrategy } from '@scep/transport';
import { PolicyModule } from './policy.module';

void runService({
  name: 'policy-service',
  telemetry,
  create: () => NestFactory.createMicroservice(PolicyModule, { ...rpcServerStrategy('policy-service'), bufferLogs: true }),
  start: async (app) => {
    await app.listen();
    return { opsUrl: app.get(OpsHttpServer).url() };
  },
});
