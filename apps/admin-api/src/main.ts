import { telemetry } from './instrument';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { OpsHttpServer, runService } from '@scep/telemetry';
import { AdminModule } from './admin.module';
import { adminConfig } from './admin-config';

const config = adminConfig();

void runService({
  name: 'admin-api',
  telemetry,
  create: () => NestFactory.create<NestFastifyApplication>(AdminModule, new FastifyAdapter({ bodyLimit: 64 * 1024 }), { bufferLogs: true }),
  start: async (app) => {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('SCEP platform admin API')
        .setDescription('Tenants, CAs, SCEP profiles and issued certificates. Authenticate with `Authorization: Bearer <API key>`.')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { ui: false, raw: ['json'], jsonDocumentUrl: 'openapi.json' });
    await app.listen(config.ADMIN_API_PORT, config.ADMIN_API_HOST);
    return { url: await app.getUrl(), opsUrl: app.get(OpsHttpServer).url() };
  },
});
