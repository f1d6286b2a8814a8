import { telemetry } from './instrument';
import { NestFactory } from '@nestjs/core';
import { runService } from '@scep/telemetry';
import { SignerModule } from './signer.module';

void runService({
  name: 'signer-worker',
  telemetry,
  create: () => NestFactory.createApplicationContext(SignerModule, { bufferLogs: true }),
  start: async (app) => {
    await app.init();
  },
});
