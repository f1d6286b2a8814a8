import { telemetry } from './instrument';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OpsHttpServer, runService } from '@scep/telemetry';
import { GatewayModule } from './gateway.module';
import { gatewayConfig } from './gateway-config';
import { configureGatewayHttp, gatewayHttpAdapter } from './http-server';

const config = gatewayConfig();

void runService({
  name: 'scep-gateway',
  telemetry,
  create: () => NestFactory.create<NestFastifyApplication>(GatewayModule, gatewayHttpAdapter(config), {
      bufferLogs: true,
      // Nest's JSON and form parsers would consume a POSTed pkiMessage sent with those Content-Types ("400 empty
      // body"): the gateway reads every body raw, whatever the Content-Type (RFC 8894 §4.1).
      bodyParser: false,
    }),
  start: async (app) => {
    configureGatewayHttp(app, config);
    await app.listen(config.SCEP_GATEWAY_PORT, config.SCEP_GATEWAY_HOST);
    return { url: await app.getUrl(), opsUrl: app.get(OpsHttpServer).url() };
  },
});
