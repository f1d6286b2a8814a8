import { telemetry } from './instrument';
import { NestFactory } from '@nestjs/core';
import { OpsHttpServer, runService } from '@scep/telemetry';
import { SignerModule } from './signer.module';

void runService({
  name: 'signer-worker',
  telemetry,
  create: () => NestFactory.createApplicationContext(SignerModule, { bufferLogs: true }),
  start: async (app) => {
    await app.init();
    return { opsUrl: app.get(OpsHttpServer).url() };
  },
});
