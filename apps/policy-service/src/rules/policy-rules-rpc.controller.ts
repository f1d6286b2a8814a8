import { Controller } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { PolicyGetRules, PolicySetRules, type RpcRequest, type RpcResponse } from '@scep/contracts';
import { RpcHandler } from '@scep/transport';
import { PolicyRulesRefused } from './pattern-check';
import { PolicyRulesStore, type PolicyVersion } from './policy-rules.store';

const view = (v: PolicyVersion) => ({ version: v.version, rules: v.rules, createdAt: v.createdAt?.toISOString(), createdBy: v.createdBy });

@Controller()
export class PolicyRulesRpcController {
  constructor(private readonly store: PolicyRulesStore) {}

  @RpcHandler(PolicyGetRules)
  async get(request: RpcRequest<typeof PolicyGetRules>): Promise<RpcResponse<typeof PolicyGetRules>> {
    return view(await this.store.current(request.tenantId, request.profileId));
  }

  @RpcHandler(PolicySetRules)
  async set(request: RpcRequest<typeof PolicySetRules>): Promise<RpcResponse<typeof PolicySetRules>> {
    try {
      return view(await this.store.set(request.tenantId, request.profileId, request.rules, request.actor));
    } catch (error) {
      // A coded refusal with the field's path in this request (callers map INVALID_REQUEST to their own answer).
      if (error instanceof PolicyRulesRefused) throw new RpcException({ code: 'INVALID_REQUEST', message: error.message, field: `rules.${error.field}` });
      throw error;
    }
  }
}
