/** The remote service did not answer in time or is unreachable: infrastructure, answer 503 / retry. */
export class RpcUnavailableError extends Error {
  constructor(readonly method: string) {
    super(`RPC ${method} unavailable`);
    this.name = 'RpcUnavailableError';
  }
}

/** The remote handler failed or answered something outside its contract: a bug, answer 500. */
export class RpcCallError extends Error {
  constructor(
    readonly method: string,
    readonly reason: string,
  ) {
    super(`RPC ${method} failed: ${reason}`);
    this.name = 'RpcCallError';
  }
}
