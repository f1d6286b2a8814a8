import { createHmac } from 'node:crypto';

export const WEBHOOK_TIMESTAMP_HEADER = 'X-Scep-Timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'X-Scep-Signature';

/**
 * `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`: the receiver recomputes it over the raw body and the
 * timestamp header (which it should also check for freshness, to refuse replays), like Stripe/GitHub webhooks.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}
