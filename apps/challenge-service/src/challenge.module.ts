import { Module } from '@nestjs/common';
import { challengeEntities } from '@scep/persistence-challenge';
import { databaseRootModule } from '@scep/persistence-core';
import { telemetryLoggerModule } from '@scep/telemetry';
import { TenancyEvents } from '@scep/transport';
import { challengeConfig } from './challenge-config';
import { ChallengeRpcController } from './static-challenge/challenge-rpc.controller';
import { StaticChallengeService } from './static-challenge/static-challenge.service';

@Module({
  imports: [telemetryLoggerModule('challenge-service', challengeConfig().LOG_LEVEL), databaseRootModule('challenge-service', challengeEntities)],
  controllers: [ChallengeRpcController],
  providers: [StaticChallengeService, TenancyEvents],
})
export class ChallengeModule {}
