/** The remote service did not answer in time or is unreachable: infrastructure, answer 503 / retry. */
export class RpcUnavailableError extends Error {
  constructor(readonly method: string) {
    super(`RPC ${method} unavailable`);
    this.name = 'RpcUnavailableError';
  }
}

/**
 * The remote handler refused or failed. `code` is the handler's stable error code when it gave one (for example
 * INVALID_REQUEST for a value it does not accept), mapped by each edge; `field` names the request field a refusal is
 * about (a dotted path such as `webhook.url`), when the handler named one; `reason` is the handler's message.
 */
export class RpcCallError extends Error {
  constructor(
    readonly method: string,
    readonly reason: string,
    readonly code?: string,
    readonly field?: string,
  ) {
    super(`RPC ${method} failed: ${code ?? reason}`);
    this.name = 'RpcCallError';
  }
}
