import { telemetry } from './instrument';
import { NestFactory } from '@nestjs/core';
import { OpsHttpServer, runService } from '@scep/telemetry';
import { rpcServerStrategy } from '@scep/transport';
import { ChallengeModule } from './challenge.module';

void runService({
  name: 'challenge-service',
  telemetry,
  create: () => NestFactory.createMicroservice(ChallengeModule, { ...rpcServerStrategy('challenge-service'), bufferLogs: true }),
  start: async (app) => {
    await app.listen();
    return { opsUrl: app.get(OpsHttpServer).url() };
  },
});
