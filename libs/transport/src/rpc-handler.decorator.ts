import { MessagePattern, RpcException } from '@nestjs/microservices';
import type { z } from 'zod';
import { rpcNamespace } from '@scep/config';
import { type RpcContract, rpcSubject } from '@scep/contracts';

type Handler<Req extends z.ZodType, Res extends z.ZodType> = (request: z.output<Req>) => Promise<z.input<Res>>;

/**
 * Declares a method as the handler of an RPC contract: subscribes to the namespaced subject, validates the request
 * (an invalid request is answered with an error, never reaches the handler) and the handler's own answer.
 */
export function RpcHandler<Req extends z.ZodType, Res extends z.ZodType>(contract: RpcContract<Req, Res>) {
  // Generic over the method's own type: property descriptors are invariant, so the method may return either the
  // response's input or output shape (both are validated below).
  return <M extends Handler<Req, Res>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>) => {
    const original = descriptor.value;
    if (!original) throw new Error(`@RpcHandler on ${String(key)} needs a method`);
    descriptor.value = async function (this: unknown, raw: unknown) {
      const request = contract.request.safeParse(raw);
      if (!request.success) {
        throw new RpcException({ code: 'INVALID_REQUEST', message: `invalid ${contract.name} request` });
      }
      const response = await original.call(this, request.data);
      return contract.response.parse(response);
    } as M;
    MessagePattern(rpcSubject(rpcNamespace(), contract))(target, key, descriptor);
    return descriptor;
  };
}
