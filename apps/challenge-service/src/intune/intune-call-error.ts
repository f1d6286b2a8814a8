import type { OutboundFailure } from '../http/outbound-http';

/** Which leg of an Intune exchange failed. */
export type IntuneStage = 'token' | 'discovery' | 'service';

/** How it failed: transport (timeout/network/too-large), an HTTP status, an answer outside the contract, no endpoint. */
export type IntuneFailure = OutboundFailure | 'status' | 'bad-answer' | 'no-endpoint';

/**
 * An Intune exchange that did not produce an answer. Carries only non-secret facts: the stage, the HTTP status and
 * the OAuth error code (e.g. invalid_client) — never tokens, secrets, URLs with queries or bodies.
 */
export class IntuneCallError extends Error {
  constructor(
    readonly stage: IntuneStage,
    readonly failure: IntuneFailure,
    readonly status?: number,
    readonly oauthError?: string,
  ) {
    super(`Intune ${stage} failed: ${failure}${status ? ` ${status}` : ''}${oauthError ? ` (${oauthError})` : ''}`);
    this.name = 'IntuneCallError';
  }
}
