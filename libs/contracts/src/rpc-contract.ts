import type { z } from 'zod';

/**
 * A request/response contract between services over the RPC transport (NATS, docs/adr/001-rpc-transport.md).
 * Both sides validate with these schemas: the producer before sending, the consumer on receipt.
 */
export interface RpcContract<Req extends z.ZodType, Res extends z.ZodType> {
  /** Pattern name without the deployment namespace, e.g. "challenge.verify". */
  readonly name: string;
  readonly request: Req;
  readonly response: Res;
}

export function defineRpc<Req extends z.ZodType, Res extends z.ZodType>(
  name: string,
  request: Req,
  response: Res,
): RpcContract<Req, Res> {
  return { name, request, response };
}

/** What a handler receives: the request after the consumer's parse (defaults applied). Callers pass z.input. */
export type RpcRequest<C> = C extends RpcContract<infer Req, z.ZodType> ? z.output<Req> : never;
export type RpcResponse<C> = C extends RpcContract<z.ZodType, infer Res> ? z.output<Res> : never;

/** The NATS subject of a contract in a namespace: "<namespace>.<name>". */
export function rpcSubject(namespace: string, contract: { readonly name: string }): string {
  return `${namespace}.${contract.name}`;
}
