import { Module } from '@nestjs/common';
import { Queues } from '@scep/contracts';
import { databaseRootModule } from '@scep/persistence-core';
import { EnrollmentTransactionRepository, enrollmentEntities } from '@scep/persistence-enrollment';
import { IssuedCertificateReader, ProfileSettingsReader } from '@scep/persistence-read';
import { telemetryLoggerModule } from '@scep/telemetry';
import { RpcClient, TenancyEvents, queueModule, queueRootModule } from '@scep/transport';
import { EnrollmentRpcController } from './enrollment/enrollment-rpc.controller';
import { ApprovalService } from './enrollment/approval.service';
import { DryRunService } from './enrollment/dry-run.service';
import { EnrollmentService } from './enrollment/enrollment.service';
import { IntuneOutcomeNotifier } from './intune/intune-outcome.notifier';
import { SigningQueueProducer } from './enrollment/signing-queue.producer';
import { EnrollmentOutcomesProcessor } from './outcomes/enrollment-outcomes.processor';
import { policyConfig } from './policy-config';
import { ProfileSettingsCache } from './profiles/profile-settings.cache';
import { PolicyRulesRpcController } from './rules/policy-rules-rpc.controller';
import { PolicyRulesStore } from './rules/policy-rules.store';

@Module({
  imports: [
    telemetryLoggerModule('policy-service', policyConfig().LOG_LEVEL),
    databaseRootModule('policy-service', enrollmentEntities),
    queueRootModule(),
    queueModule(Queues.certificateSigning, Queues.enrollmentOutcomes),
  ],
  controllers: [EnrollmentRpcController, PolicyRulesRpcController],
  providers: [
    EnrollmentTransactionRepository,
    ProfileSettingsReader,
    IssuedCertificateReader,
    PolicyRulesStore,
    ProfileSettingsCache,
    TenancyEvents,
    SigningQueueProducer,
    EnrollmentService,
    ApprovalService,
    DryRunService,
    IntuneOutcomeNotifier,
    RpcClient,
    EnrollmentOutcomesProcessor,
  ],
})
export class PolicyModule {}
