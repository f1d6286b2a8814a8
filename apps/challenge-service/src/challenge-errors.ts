/** Why an admin request to the challenge service was refused (mapped to an RPC error once, in the controller). */
export type ChallengeErrorCode =
  /** mode = webhook without webhook settings. */
  | 'WEBHOOK_SETTINGS_REQUIRED'
  /** A webhook URL the outbound policy refuses (scheme, port, address; http/outbound-policy.ts). */
  | 'WEBHOOK_URL_NOT_ALLOWED'
  /** An Intune login/Graph URL the outbound policy refuses (also: not a Microsoft host). */
  | 'INTUNE_URL_NOT_ALLOWED'
  /** notify-outcome with a certificate that cannot be read. */
  | 'CERTIFICATE_UNREADABLE';

/** A typed domain error of the challenge service. Messages never carry a challenge, a secret or a URL. */
export class ChallengeServiceError extends Error {
  constructor(
    readonly code: ChallengeErrorCode,
    message: string,
    /** The request field it is about, as a dotted path of the RPC request (`webhook.url`, `loginUrl`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ChallengeServiceError';
  }
}

/**
 * The first rule for outbound URLs configured by tenants (webhooks, Intune endpoints): https; plain http only to a
 * loopback address (tests, a sidecar), so that secrets and CSRs never cross a network in clear. The destination rules
 * (addresses, ports, Microsoft hosts, the platform's allow-list) follow in http/outbound-policy.ts.
 */
export function isAllowedOutboundUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
