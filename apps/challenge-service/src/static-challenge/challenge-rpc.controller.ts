import { Controller, Logger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { ChallengeSetStatic, ChallengeVerify, type RpcRequest, type RpcResponse } from '@scep/contracts';
import { RpcHandler } from '@scep/transport';
import { StaticChallengeService } from './static-challenge.service';

/** RPC surface of the challenge service. The challenge value is never logged or put on a span. */
@Controller()
export class ChallengeRpcController {
  private readonly logger = new Logger(ChallengeRpcController.name);

  constructor(private readonly statics: StaticChallengeService) {}

  @RpcHandler(ChallengeVerify)
  async verify(request: RpcRequest<typeof ChallengeVerify>): Promise<RpcResponse<typeof ChallengeVerify>> {
    const result = await this.statics.verify(request.tenantId, request.profileId, request.challenge);
    trace.getActiveSpan()?.setAttributes({ 'scep.tenant_id': request.tenantId, 'scep.verification.decision': result.decision });
    if (result.decision === 'reject') {
      this.logger.warn(
        { tenantId: request.tenantId, profileId: request.profileId, transactionId: request.transactionId, reason: result.reason },
        'challenge rejected',
      );
    }
    return result;
  }

  @RpcHandler(ChallengeSetStatic)
  async setStatic(request: RpcRequest<typeof ChallengeSetStatic>): Promise<RpcResponse<typeof ChallengeSetStatic>> {
    const updatedAt = await this.statics.set(request.tenantId, request.profileId, request.challenge);
    this.logger.log({ tenantId: request.tenantId, profileId: request.profileId }, 'static challenge set');
    return { updatedAt: updatedAt.toISOString() };
  }
}
