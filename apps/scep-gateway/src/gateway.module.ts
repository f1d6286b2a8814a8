import { Module } from '@nestjs/common';
import { DatabaseReadiness, databaseRootModule } from '@scep/persistence-core';
import { CertificateAuthorityReader, CertificateExpiryReader, CrlReader, IssuedCertificateReader, ScepEndpointReader } from '@scep/persistence-read';
import { opsProviders, telemetryLoggerModule } from '@scep/telemetry';
import { ClientLockouts, NatsConnection, NatsReadiness, RpcClient, TenancyEvents } from '@scep/transport';
import { RequestThrottle } from './abuse/request-throttle';
import { EnvelopeOpener } from './pki-operation/envelope-opener';
import { CrlController } from './crl/crl.controller';
import { ScepEndpointCache } from './endpoints/scep-endpoint.cache';
import { gatewayConfig } from './gateway-config';
import { HealthController } from './health.controller';
import { RaExpiryMetrics } from './metrics/ra-expiry.metrics';
import { ScepMetrics } from './metrics/scep-metrics';
import { OcspResponses } from './ocsp/ocsp-responses';
import { RevocationGenerations } from './ocsp/revocation-generations';
import { CertRepResponder } from './pki-operation/cert-rep.responder';
import { CertPollHandler } from './pki-operation/handlers/cert-poll.handler';
import { CertificateRequestHandler } from './pki-operation/handlers/certificate-request.handler';
import { GetCertHandler } from './pki-operation/handlers/get-cert.handler';
import { GetCrlHandler } from './pki-operation/handlers/get-crl.handler';
import { PkiOperationService } from './pki-operation/pki-operation.service';
import { ScepHttpService } from './scep/scep-http.service';

/**
 * The device-facing edge. No entities of its own; reads public endpoint material; holds RA keys only; talks to the
 * policy service over NATS and to nothing else — no Redis, no queue, no signing approvals (docs/adr/007). Probes and
 * metrics on its operations port (SCEP_GATEWAY_OPS_PORT), never on the devices' port.
 */
@Module({
  imports: [telemetryLoggerModule('scep-gateway', gatewayConfig().LOG_LEVEL, { withoutRequestLoggingFor: ['scep/{*path}', 'ocsp/{*path}'] }), databaseRootModule('scep-gateway', [])],
  controllers: [CrlController, HealthController],
  providers: [
    ScepEndpointReader,
    IssuedCertificateReader,
    CrlReader,
    CertificateAuthorityReader,
    ScepEndpointCache,
    NatsConnection,
    TenancyEvents,
    ClientLockouts,
    RpcClient,
    RequestThrottle,
    EnvelopeOpener,
    CertificateRequestHandler,
    CertPollHandler,
    GetCertHandler,
    GetCrlHandler,
    CertRepResponder,
    PkiOperationService,
    ScepHttpService,
    ...opsProviders(() => ({ host: gatewayConfig().SCEP_GATEWAY_OPS_HOST, port: gatewayConfig().SCEP_GATEWAY_OPS_PORT, portVariable: 'SCEP_GATEWAY_OPS_PORT' })),
    DatabaseReadiness,
    NatsReadiness,
    ScepMetrics,
    CertificateExpiryReader,
    RaExpiryMetrics,
    RevocationGenerations,
    OcspResponses,
  ],
})
export class GatewayModule {}
