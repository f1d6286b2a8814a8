/**
 * Sends prepared requests with a fixed number in flight (closed loop: each of `concurrency` senders sends its next
 * request when the previous reply is in) and verifies every reply. Latency is from the first byte sent to the last
 * byte received; verification happens after the clock stops, so it does not count as server time.
 */
import { interrupted } from '../lifecycle';
import type { BuiltRequest } from './build-jobs';
import type { HttpClient } from './http-client';
import { TransportError } from './http-client';
import type { DeviceKey } from './key-pool';
import { type Outcome, SerialRegistry, Tally, outcomeLabel } from './outcomes';
import { checkReply } from './reply-check';
import type { ScepEndpoint } from './scep-endpoint';

export interface LoopResult {
  readonly requests: number;
  readonly successes: number;
  readonly wallMs: number;
  /** Latencies of successful enrollments, ascending. */
  readonly successLatenciesMs: number[];
  readonly outcomes: Tally;
  readonly duplicateSerials: number;
}

export interface LoopOptions {
  readonly client: HttpClient;
  readonly endpoint: ScepEndpoint;
  readonly devices: readonly DeviceKey[];
  readonly concurrency: number;
  /** Serials seen so far in the run (duplicates are counted across phases). */
  readonly serials: SerialRegistry;
  readonly timeoutMs?: number;
}

async function sendOnce(options: LoopOptions, request: BuiltRequest): Promise<{ outcome: Outcome; latencyMs: number }> {
  const device = options.devices[request.keyIndex];
  if (!device) throw new Error(`no device key ${request.keyIndex}`);
  const t0 = performance.now();
  try {
    const reply = await options.client.postPkiOperation(options.endpoint.url, request.der, options.timeoutMs ?? 120_000);
    const latencyMs = performance.now() - t0;
    return { outcome: checkReply(reply, options.endpoint, device, request.transactionId), latencyMs };
  } catch (error) {
    const code = error instanceof TransportError ? error.code : `client error ${error instanceof Error ? error.message : String(error)}`;
    return { outcome: { kind: 'transport', code }, latencyMs: performance.now() - t0 };
  }
}

export async function runClosedLoop(options: LoopOptions, requests: readonly BuiltRequest[]): Promise<LoopResult> {
  const outcomes = new Tally();
  const latencies: number[] = [];
  const duplicatesBefore = options.serials.duplicates;
  let next = 0;
  const t0 = performance.now();
  const sender = async () => {
    // Bounded by the request list: each sender takes the next unsent request until none is left (or Ctrl-C).
    while (next < requests.length && !interrupted()) {
      const request = requests[next++] as BuiltRequest;
      const { outcome, latencyMs } = await sendOnce(options, request);
      outcomes.add(outcomeLabel(outcome));
      if (outcome.kind === 'success') {
        latencies.push(latencyMs);
        options.serials.record(outcome.issuerDer, outcome.serialHex);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, sender));
  const wallMs = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return {
    requests: requests.length,
    successes: latencies.length,
    wallMs,
    successLatenciesMs: latencies,
    outcomes,
    duplicateSerials: options.serials.duplicates - duplicatesBefore,
  };
}
