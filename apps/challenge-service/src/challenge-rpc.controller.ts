import { Controller, Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import {
  ChallengeConfigure,
  ChallengeList,
  ChallengeMint,
  ChallengeNotifyOutcome,
  ChallengeSetIntuneConnection,
  ChallengeSetStatic,
  ChallengeVerify,
  type RpcRequest,
  type RpcResponse,
} from '@scep/contracts';
import { RpcHandler } from '@scep/transport';
import { type ChallengeErrorCode, ChallengeServiceError } from './challenge-errors';
import { DynamicChallengeService } from './dynamic-challenge/dynamic-challenge.service';
import { IntuneConnectionService } from './intune/intune-connection.service';
import { IntuneNotificationOutbox } from './intune/intune-notification.outbox';
import { ChallengeSettingsService } from './settings/challenge-settings.service';
import { StaticChallengeService } from './static-challenge/static-challenge.service';
import { ChallengeVerificationService } from './verification/challenge-verification.service';

/**
 * RPC surface of the challenge service: one handler per contract, each delegating to its feature. Challenge values
 * and secrets are never logged, put on a span or echoed in an error.
 */
@Controller()
export class ChallengeRpcController {
  private readonly logger = new Logger(ChallengeRpcController.name);

  constructor(
    private readonly verification: ChallengeVerificationService,
    private readonly settings: ChallengeSettingsService,
    private readonly statics: StaticChallengeService,
    private readonly dynamics: DynamicChallengeService,
    private readonly intuneConnections: IntuneConnectionService,
    private readonly intuneOutbox: IntuneNotificationOutbox,
  ) {}

  @RpcHandler(ChallengeVerify)
  verify(request: RpcRequest<typeof ChallengeVerify>): Promise<RpcResponse<typeof ChallengeVerify>> {
    return this.verification.verify(request);
  }

  @RpcHandler(ChallengeSetStatic)
  async setStatic(request: RpcRequest<typeof ChallengeSetStatic>): Promise<RpcResponse<typeof ChallengeSetStatic>> {
    const updatedAt = await this.statics.set(request.tenantId, request.profileId, request.challenge, request.overlapSeconds);
    this.logger.log({ tenantId: request.tenantId, profileId: request.profileId, overlapSeconds: request.overlapSeconds }, 'static challenge set');
    return { updatedAt: updatedAt.toISOString() };
  }

  @RpcHandler(ChallengeConfigure)
  async configure(request: RpcRequest<typeof ChallengeConfigure>): Promise<RpcResponse<typeof ChallengeConfigure>> {
    const { mode, updatedAt } = await mapErrors(() => this.settings.configure(request));
    this.logger.log({ tenantId: request.tenantId, profileId: request.profileId, mode }, 'challenge mode configured');
    return { mode, updatedAt: updatedAt.toISOString() };
  }

  @RpcHandler(ChallengeMint)
  async mint(request: RpcRequest<typeof ChallengeMint>): Promise<RpcResponse<typeof ChallengeMint>> {
    return this.dynamics.mint(request, await this.settings.get(request.tenantId, request.profileId));
  }

  @RpcHandler(ChallengeList)
  list(request: RpcRequest<typeof ChallengeList>): Promise<RpcResponse<typeof ChallengeList>> {
    return this.dynamics.list(request);
  }

  @RpcHandler(ChallengeSetIntuneConnection)
  async setIntuneConnection(request: RpcRequest<typeof ChallengeSetIntuneConnection>): Promise<RpcResponse<typeof ChallengeSetIntuneConnection>> {
    const updatedAt = await mapErrors(() => this.intuneConnections.set(request));
    this.logger.log({ tenantId: request.tenantId, azureTenantId: request.azureTenantId, clientId: request.clientId }, 'Intune connection set');
    return { updatedAt: updatedAt.toISOString() };
  }

  @RpcHandler(ChallengeNotifyOutcome)
  async notifyOutcome(request: RpcRequest<typeof ChallengeNotifyOutcome>): Promise<RpcResponse<typeof ChallengeNotifyOutcome>> {
    const settings = await this.settings.get(request.tenantId, request.profileId);
    return mapErrors(() => this.intuneOutbox.record(request, settings));
  }
}

/** The one place domain errors become RPC errors (callers see a code, the field and a short, secret-free message). */
async function mapErrors<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ChallengeServiceError) {
      throw new RpcException({ code: rpcCode(error.code), message: error.message, ...(error.field ? { field: error.field } : {}) });
    }
    throw error;
  }
}

function rpcCode(code: ChallengeErrorCode): 'INVALID_REQUEST' {
  switch (code) {
    case 'WEBHOOK_SETTINGS_REQUIRED':
    case 'WEBHOOK_URL_NOT_ALLOWED':
    case 'INTUNE_URL_NOT_ALLOWED':
    case 'CERTIFICATE_UNREADABLE':
      return 'INVALID_REQUEST';
    default:
      return unreachable(code);
  }
}

function unreachable(code: never): never {
  throw new Error(`unmapped challenge error ${String(code)}`);
}
