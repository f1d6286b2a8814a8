import { Module } from '@nestjs/common';
import { Queues } from '@scep/contracts';
import {
  DynamicChallengeRepository,
  IntuneConnectionRepository,
  IntuneNotificationRepository,
  ProfileChallengeSettingsRepository,
  challengeEntities,
} from '@scep/persistence-challenge';
import { databaseRootModule } from '@scep/persistence-core';
import { opsProviders, telemetryLoggerModule } from '@scep/telemetry';
import { APP_FILTER } from '@nestjs/core';
import { ClientLockouts, DependencyUnavailableRpcFilter, NatsConnection, TenancyEvents } from '@scep/transport';
import { queueModule, queueRootModule } from '@scep/queues';
import { challengeConfig } from './challenge-config';
import { ChallengeRpcController } from './challenge-rpc.controller';
import { DynamicChallengeService } from './dynamic-challenge/dynamic-challenge.service';
import { ChallengeRecordPurger } from './housekeeping/challenge-record-purger';
import { OutboundHttp, outboundSettingsProvider } from './http/outbound-http';
import { IntuneApiClient } from './intune/intune-api.client';
import { IntuneChallengeValidator } from './intune/intune-challenge.validator';
import { IntuneConnectionService } from './intune/intune-connection.service';
import { IntuneNotificationOutbox } from './intune/intune-notification.outbox';
import { IntuneNotificationProcessor } from './intune/intune-notification.processor';
import { IntuneNotificationSender } from './intune/intune-notification.sender';
import { ChallengeMetrics } from './metrics/challenge-metrics';
import { FailureRateLimiter } from './rate-limit/failure-rate-limiter';
import { ChallengeSecretBox } from './secrets/secret-box';
import { ChallengeSettingsService } from './settings/challenge-settings.service';
import { StaticChallengeService } from './static-challenge/static-challenge.service';
import { ChallengeVerificationService } from './verification/challenge-verification.service';
import { WebhookChallengeValidator } from './webhook/webhook-validator';

/** Every provider of the service, also used by the integration tests to build the same graph. */
export const challengeProviders = [
  // A handler whose database or Redis is down answers UNAVAILABLE (callers: 503 / retry).
  { provide: APP_FILTER, useClass: DependencyUnavailableRpcFilter },
  NatsConnection,
  TenancyEvents,
  ClientLockouts,
  ChallengeSecretBox,
  ChallengeMetrics,
  ...opsProviders(() => {
    const config = challengeConfig();
    return { host: config.CHALLENGE_OPS_HOST ?? config.CHALLENGE_METRICS_HOST, port: config.CHALLENGE_OPS_PORT ?? config.CHALLENGE_METRICS_PORT, portVariable: 'CHALLENGE_OPS_PORT' };
  }),
  outboundSettingsProvider,
  OutboundHttp,
  ProfileChallengeSettingsRepository,
  DynamicChallengeRepository,
  IntuneConnectionRepository,
  IntuneNotificationRepository,
  ChallengeSettingsService,
  FailureRateLimiter,
  StaticChallengeService,
  DynamicChallengeService,
  WebhookChallengeValidator,
  IntuneApiClient,
  IntuneConnectionService,
  IntuneChallengeValidator,
  IntuneNotificationOutbox,
  IntuneNotificationSender,
  IntuneNotificationProcessor,
  ChallengeVerificationService,
  ChallengeRecordPurger,
];

@Module({
  imports: [
    telemetryLoggerModule('challenge-service', challengeConfig().LOG_LEVEL),
    databaseRootModule('challenge-service', challengeEntities),
    queueRootModule(),
    queueModule(Queues.challengeNotifications),
  ],
  controllers: [ChallengeRpcController],
  providers: challengeProviders,
})
export class ChallengeModule {}
