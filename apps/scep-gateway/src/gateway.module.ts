import { Module } from '@nestjs/common';
import { databaseRootModule } from '@scep/persistence-core';
import { CrlReader, IssuedCertificateReader, ScepEndpointReader } from '@scep/persistence-read';
import { telemetryLoggerModule } from '@scep/telemetry';
import { RpcClient, TenancyEvents } from '@scep/transport';
import { CrlController } from './crl/crl.controller';
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
  controllers: [ScepController, CrlController, HealthController],
  providers: [ScepEndpointReader, IssuedCertificateReader, CrlReader, ScepEndpointCache, TenancyEvents, RpcClient, SigningJobWaiter, PkiOperationService, ScepHttpService],
})
export class GatewayModule {}
