import { Controller } from '@nestjs/common';
import { OcspRespond, type RpcRequest, type RpcResponse } from '@scep/contracts';
import { RpcHandler } from '@scep/transport';
import { OcspResponder } from './ocsp-responder.service';

@Controller()
export class OcspRpcController {
  constructor(private readonly responder: OcspResponder) {}

  @RpcHandler(OcspRespond)
  respond(request: RpcRequest<typeof OcspRespond>): Promise<RpcResponse<typeof OcspRespond>> {
    return this.responder.respond(request);
  }
}
