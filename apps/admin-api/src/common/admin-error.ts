/** Domain errors of the admin API's services; mapped to HTTP once, in AdminErrorFilter. */
export type AdminErrorCode = 'not_found' | 'conflict' | 'forbidden' | 'invalid' | 'signer_timeout' | 'unavailable' | 'failed';

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
