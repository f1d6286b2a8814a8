import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import type { ChallengeVerify, RpcRequest, RpcResponse } from '@scep/contracts';
import { OutboundHttp, OutboundHttpError, parseJson } from '../http/outbound-http';
import { ChallengeSecretBox, SecretAad } from '../secrets/secret-box';
import type { WebhookSettings } from '../settings/challenge-settings.service';
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, webhookSignature } from './webhook-signature';

type VerifyRequest = RpcRequest<typeof ChallengeVerify>;
type VerifyResult = RpcResponse<typeof ChallengeVerify>;

/** The webhook's answer; anything else (or a non-2xx status) is an error, never an accept. */
const webhookAnswer = z.object({ allow: z.boolean(), reason: z.string().optional() });

/**
 * Asks the profile's webhook (smallstep's SCEPCHALLENGE webhook is the model, scep-protocol.md §12.1): POSTs the CSR
 * facts, the CSR and the challenge the device sent, signed with the profile's webhook secret; allow/deny from the
 * answer. Timeouts, connection errors, non-2xx and unreadable answers reject with 'webhook-error' — never a hang.
 */
@Injectable()
export class WebhookChallengeValidator {
  private readonly logger = new Logger(WebhookChallengeValidator.name);

  constructor(
    private readonly secrets: ChallengeSecretBox,
    private readonly outbound: OutboundHttp,
  ) {}

  async verify(request: VerifyRequest, webhook: WebhookSettings | undefined): Promise<VerifyResult> {
    const context = { tenantId: request.tenantId, profileId: request.profileId, transactionId: request.transactionId };
    if (!webhook) return { decision: 'reject', reason: 'not-configured' };
    if (request.csrDer === undefined) {
      // The caller's view of the profile's mode was stale (it sends the CSR only to modes that forward it).
      this.logger.warn(context, 'webhook profile asked without the CSR');
      return { decision: 'reject', reason: 'webhook-error' };
    }
    const body = JSON.stringify({
      tenantId: request.tenantId,
      profileId: request.profileId,
      transactionId: request.transactionId,
      messageType: request.messageType,
      subject: request.csr.subject,
      subjectAltNames: request.csr.subjectAltNames,
      keyAlgorithm: request.csr.keyAlgorithm,
      keySize: request.csr.keySize,
      clientAddress: request.clientAddress ?? null,
      challenge: request.challenge ?? null,
      csr: request.csrDer,
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const secret = this.secrets.unwrap(webhook.secretWrapped, SecretAad.webhookSecret(request.tenantId, request.profileId));
    const headers = {
      'Content-Type': 'application/json',
      [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
      [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body),
    };

    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.outbound.send(webhook.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(webhook.timeoutMs),
        tenantId: request.tenantId,
        target: 'webhook',
      }));
    } catch (error) {
      // Refused destinations and rate limits are errors too: never an accept (the reason names no URL or address).
      const failure = error instanceof OutboundHttpError ? error.failure : 'unexpected';
      const refusal = error instanceof OutboundHttpError ? error.reason : undefined;
      this.logger.warn({ ...context, failure, refusal, timeoutMs: webhook.timeoutMs }, 'challenge webhook unreachable');
      return { decision: 'reject', reason: 'webhook-error' };
    }
    const answer = status >= 200 && status < 300 ? webhookAnswer.safeParse(parseJson(text)) : undefined;
    if (!answer?.success) {
      this.logger.warn({ ...context, status }, 'challenge webhook answered outside its contract');
      return { decision: 'reject', reason: 'webhook-error' };
    }
    if (answer.data.allow) return { decision: 'accept' };
    this.logger.warn({ ...context, webhookReason: safeReason(answer.data.reason, request.challenge) }, 'challenge webhook denied the request');
    return { decision: 'reject', reason: 'webhook-denied' };
  }
}

/** The webhook's free-text reason goes to the log, shortened, and never if it echoes the challenge. */
function safeReason(reason: string | undefined, challenge: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  if (challenge && reason.includes(challenge)) return '[withheld: contains the challenge]';
  return reason.slice(0, 200);
}
