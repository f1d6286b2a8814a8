/**
 * One device enrolling the way real clients do: it sends its PKCSReq; on HTTP 503 or a transport error it sends
 * the same bytes again after a short backoff; on PENDING it polls by resending the identical PKCSReq every second
 * (as micromdm's scepclient does); it stops at SUCCESS, FAILURE, any other HTTP status or reply it cannot use, or
 * its deadline. Every HTTP answer it got is tallied (503 with or without Retry-After, 500, …).
 */
import { type BuiltRequest, type DeviceKey, type HttpClient, type ScepEndpoint, type Tally, TransportError, checkReply } from '../enrollment-load';
import { interrupted, sleep } from '../lifecycle';

export type DeviceEnd = 'success' | 'failure' | 'gave-up' | 'deadline';

export interface DeviceResult {
  readonly transactionId: string;
  readonly end: DeviceEnd;
  /** FAILURE failInfo, the HTTP status it gave up on, or the reply problem. */
  readonly detail?: string;
  readonly serialHex?: string;
  readonly issuerDer?: Buffer;
  readonly attempts: number;
  /** PENDING answers it polled past. */
  readonly pendings: number;
  readonly startedAt: number;
  readonly finishedAt: number;
}

export interface DevicePolicy {
  readonly deadlineMs: number;
  readonly requestTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly backoffMs: readonly number[];
}

export const DEFAULT_POLICY: DevicePolicy = { deadlineMs: 90_000, requestTimeoutMs: 20_000, pollIntervalMs: 1_000, backoffMs: [500, 1_000, 2_000, 4_000] };

export async function enrollLikeADevice(
  client: HttpClient,
  endpoint: ScepEndpoint,
  device: DeviceKey,
  request: BuiltRequest,
  policy: DevicePolicy,
  responses: Tally,
): Promise<DeviceResult> {
  const startedAt = Date.now();
  const deadline = startedAt + policy.deadlineMs;
  let attempts = 0;
  let retries = 0;
  let pendings = 0;
  const done = (end: DeviceEnd, extra: Partial<DeviceResult> = {}): DeviceResult => ({ transactionId: request.transactionId, end, attempts, pendings, startedAt, finishedAt: Date.now(), ...extra });
  const backoff = () => sleep(Math.min(policy.backoffMs[Math.min(retries++, policy.backoffMs.length - 1)] as number, Math.max(0, deadline - Date.now())));
  // Bounded by the deadline: every path through the loop either returns or waits before the next attempt.
  while (Date.now() < deadline && !interrupted()) {
    attempts++;
    let reply;
    try {
      reply = await client.postPkiOperation(endpoint.url, request.der, Math.max(1, Math.min(policy.requestTimeoutMs, deadline - Date.now())));
    } catch (error) {
      responses.add(`transport ${error instanceof TransportError ? error.code : 'error'}`);
      await backoff();
      continue;
    }
    responses.add(reply.status === 503 ? `HTTP 503 ${reply.retryAfter ? 'with' : 'without'} Retry-After` : `HTTP ${reply.status}`);
    if (reply.status === 503) {
      await backoff();
      continue;
    }
    const outcome = checkReply(reply, endpoint, device, request.transactionId);
    switch (outcome.kind) {
      case 'success':
        return done('success', { serialHex: outcome.serialHex, issuerDer: outcome.issuerDer });
      case 'failure':
        return done('failure', { detail: `FAILURE ${outcome.failInfo}${outcome.text ? ` (${outcome.text})` : ''}` });
      case 'pending':
        pendings++;
        retries = 0;
        await sleep(Math.min(policy.pollIntervalMs, Math.max(0, deadline - Date.now())));
        continue;
      case 'http':
        return done('gave-up', { detail: `HTTP ${outcome.status}` });
      case 'transport':
      case 'bad-reply':
        return done('gave-up', { detail: outcome.kind === 'bad-reply' ? `bad reply: ${outcome.reason}` : `transport ${outcome.code}` });
    }
  }
  return done('deadline');
}
