import { Module } from '@nestjs/common';
import { databaseRootModule } from '@scep/persistence-core';
import { ScepEndpointReader } from '@scep/persistence-read';
import { telemetryLoggerModule } from '@scep/telemetry';
import { RpcClient, TenancyEvents } from '@scep/transport';
import { ScepEndpointCache } from './endpoints/scep-endpoint.cache';
import { gatewayConfig } from './gateway-config';
import { HealthController } from './health.controller';
import { PkiOperationService } from './scep/pki-operation.service';
import { ScepHttpService } from './scep/scep-http.service';
import { ScepController } from './scep/scep.controller';
import { SigningJobWaiter } from './signing/signing-job.waiter';

/** The device-facing edge. No entities of its own; reads public endpoint material; holds RA keys only. */
@Module({
  imports: [telemetryLoggerModule('scep-gateway', gatewayConfig().LOG_LEVEL), databaseRootModule('scep-gateway', [])],
  controllers: [ScepController, HealthController],
  providers: [ScepEndpointReader, ScepEndpointCache, TenancyEvents, RpcClient, SigningJobWaiter, PkiOperationService, ScepHttpService],
})
export class GatewayModule {}
