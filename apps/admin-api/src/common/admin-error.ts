import { RpcCallError } from '@scep/transport';

/** Domain errors of the admin API's services; mapped to HTTP once, in AdminErrorFilter. */
export type AdminErrorCode = 'not_found' | 'conflict' | 'forbidden' | 'invalid' | 'signer_timeout' | 'unavailable' | 'failed' | 'internal';

export class AdminError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    /** The request field the error is about, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

/** What API callers see for a failure whose details are for the logs only. */
export const INTERNAL_MESSAGE = 'internal error';

/**
 * Remote error codes the admin API answers as such (what handlers put in RpcException({code})); any other code, or
 * none, is a fault on the other side.
 */
type RemoteErrorCode = 'INVALID_REQUEST' | 'unknown';

function remoteCode(code: string | undefined): RemoteErrorCode {
  return code === 'INVALID_REQUEST' ? code : 'unknown';
}

/**
 * The one mapping from a remote handler's refusal to the admin API's own errors. INVALID_REQUEST is the caller's
 * mistake: 400 with the handler's short message (handlers write them for callers and keep secrets out) and the field.
 * Anything else answers a generic 500; its reason goes to the log only.
 */
export function adminErrorFromRpc(error: RpcCallError): AdminError {
  const code = remoteCode(error.code);
  switch (code) {
    case 'INVALID_REQUEST':
      return new AdminError('invalid', error.reason, error.field);
    case 'unknown':
      return new AdminError('internal', INTERNAL_MESSAGE);
    default:
      return unreachable(code);
  }
}

/**
 * For a route whose body is one field of the RPC request (PUT …/policy sends its body as `rules`): names a refused
 * field as the body does. Used as `.catch(fieldsRelativeTo('rules'))` on that call.
 */
export function fieldsRelativeTo(prefix: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof RpcCallError && error.field?.startsWith(`${prefix}.`)) {
      throw new RpcCallError(error.method, error.reason, error.code, error.field.slice(prefix.length + 1));
    }
    throw error;
  };
}

export function unreachable(value: never): never {
  throw new Error(`unmapped value ${String(value)}`);
}
