import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { DatabaseReadiness, databaseRootModule } from '@scep/persistence-core';
import { CertificateAuthorityReader, CertificateExpiryReader, ChallengeModeReader, IssuedCertificateReader } from '@scep/persistence-read';
import { tenancyEntities } from '@scep/persistence-tenancy';
import { RedisReadiness } from '@scep/queues';
import { opsProviders, telemetryLoggerModule } from '@scep/telemetry';
import { NatsConnection, NatsReadiness, RpcClient, TenancyEvents } from '@scep/transport';
import { adminConfig } from './admin-config';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyService } from './auth/api-key.service';
import { CasController } from './cas/cas.controller';
import { KeyManagementClient } from './cas/key-management.client';
import { CertificatesController } from './certificates/certificates.controller';
import { ChallengesController } from './challenges/challenges.controller';
import { EnrollmentsController } from './enrollments/enrollments.controller';
import { AdminErrorFilter } from './common/admin-error.filter';
import { HealthController } from './health.controller';
import { AdminHttpMetrics } from './metrics/admin-http.metrics';
import { CaExpiryMetrics } from './metrics/ca-expiry.metrics';
import { CertificateMetrics } from './metrics/certificate-metrics';
import { ProfilesController } from './profiles/profiles.controller';
import { ProfilesService } from './profiles/profiles.service';
import { RevocationClient } from './revocations/revocation.client';
import { RevocationsController } from './revocations/revocations.controller';
import { TenantAccess } from './tenants/tenant-access.service';
import { TenantsController } from './tenants/tenants.controller';

@Module({
  imports: [telemetryLoggerModule('admin-api', adminConfig().LOG_LEVEL), databaseRootModule('admin-api', tenancyEntities)],
  controllers: [TenantsController, CasController, ProfilesController, ChallengesController, EnrollmentsController, CertificatesController, RevocationsController, ApiKeysController, HealthController],
  providers: [
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_FILTER, useClass: AdminErrorFilter },
    ApiKeyService,
    TenantAccess,
    KeyManagementClient,
    RevocationClient,
    ProfilesService,
    CertificateAuthorityReader,
    IssuedCertificateReader,
    ChallengeModeReader,
    NatsConnection,
    RpcClient,
    TenancyEvents,
    ...opsProviders(() => ({ host: adminConfig().ADMIN_API_OPS_HOST, port: adminConfig().ADMIN_API_OPS_PORT, portVariable: 'ADMIN_API_OPS_PORT' })),
    DatabaseReadiness,
    RedisReadiness,
    NatsReadiness,
    AdminHttpMetrics,
    CertificateExpiryReader,
    CaExpiryMetrics,
    CertificateMetrics,
  ],
})
export class AdminModule {}
