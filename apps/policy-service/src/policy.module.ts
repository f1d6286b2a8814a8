import { Module } from '@nestjs/common';
import { Queues } from '@scep/contracts';
import { DatabaseReadiness, SqlClient, databaseRootModule } from '@scep/persistence-core';
import { EnrollmentTransactionRepository, ProfilePolicyRepository, enrollmentEntities } from '@scep/persistence-enrollment';
import { CertificateAuthorityReader, IssuedCertificateReader, OcspResponderReader, ProfileSettingsReader, TenantSlugReader } from '@scep/persistence-read';
import { RedisReadiness, queueModule, queueRootModule } from '@scep/queues';
import { opsProviders, telemetryLoggerModule } from '@scep/telemetry';
import { APP_FILTER } from '@nestjs/core';
import { DependencyUnavailableRpcFilter, NatsConnection, NatsReadiness, RpcClient, TenancyEvents } from '@scep/transport';
import { ApprovalService } from './enrollment/approval.service';
import { ChallengeCheck } from './enrollment/challenge-check';
import { DryRunService } from './enrollment/dry-run.service';
import { EnrollmentRpcController } from './enrollment/enrollment-rpc.controller';
import { EnrollmentService } from './enrollment/enrollment.service';
import { RenewalAuthentication } from './enrollment/renewal-authentication';
import { IntuneOutcomeNotifier } from './intune/intune-outcome.notifier';
import { ApprovalsPendingMetrics } from './metrics/approvals-pending.metrics';
import { PolicyMetrics } from './metrics/policy-metrics';
import { SigningQueueMetrics } from './metrics/signing-queue.metrics';
import { TenantSlugs } from './metrics/tenant-slugs';
import { OcspResponder } from './ocsp/ocsp-responder.service';
import { OcspRpcController } from './ocsp/ocsp-rpc.controller';
import { OcspSigningMaterials } from './ocsp/ocsp-signing-material';
import { policyConfig } from './policy-config';
import { ProfileSettingsCache } from './profiles/profile-settings.cache';
import { PolicyRulesRpcController } from './rules/policy-rules-rpc.controller';
import { PolicyRulesStore } from './rules/policy-rules.store';
import { IssuanceRecorder } from './signing/issuance-recorder';
import { SigningApprovals } from './signing/signing-approvals';
import { SigningOutcomesListener } from './signing/signing-outcomes.listener';
import { SigningQueueProducer } from './signing/signing-queue.producer';
import { SigningReconciler } from './signing/signing-reconciler';
import { SigningReplica } from './signing/signing-replica';
import { SigningRequests } from './signing/signing-requests';
import { SigningWaiters } from './signing/signing-waiters';

/**
 * Owner of enrollment transactions and policy rules; the only service that puts work on the signer's queue; the OCSP
 * responder of every CA (docs/adr/010-revocation-crl-ocsp.md).
 */
@Module({
  imports: [
    telemetryLoggerModule('policy-service', policyConfig().LOG_LEVEL),
    databaseRootModule('policy-service', enrollmentEntities),
    queueRootModule(),
    queueModule(Queues.certificateSigning),
  ],
  controllers: [EnrollmentRpcController, PolicyRulesRpcController, OcspRpcController],
  providers: [
    // A handler whose database, Redis or downstream service is down answers UNAVAILABLE (the gateway: 503).
    { provide: APP_FILTER, useClass: DependencyUnavailableRpcFilter },
    SqlClient,
    EnrollmentTransactionRepository,
    ProfilePolicyRepository,
    ProfileSettingsReader,
    IssuedCertificateReader,
    PolicyRulesStore,
    ProfileSettingsCache,
    NatsConnection,
    TenancyEvents,
    RpcClient,
    ChallengeCheck,
    SigningReplica,
    SigningApprovals,
    SigningQueueProducer,
    SigningRequests,
    SigningWaiters,
    IssuanceRecorder,
    SigningOutcomesListener,
    SigningReconciler,
    RenewalAuthentication,
    EnrollmentService,
    ApprovalService,
    DryRunService,
    IntuneOutcomeNotifier,
    CertificateAuthorityReader,
    OcspResponderReader,
    OcspSigningMaterials,
    OcspResponder,
    ...opsProviders(() => ({ host: policyConfig().POLICY_OPS_HOST, port: policyConfig().POLICY_OPS_PORT, portVariable: 'POLICY_OPS_PORT' })),
    DatabaseReadiness,
    RedisReadiness,
    NatsReadiness,
    TenantSlugReader,
    TenantSlugs,
    PolicyMetrics,
    SigningQueueMetrics,
    ApprovalsPendingMetrics,
  ],
})
export class PolicyModule {}
