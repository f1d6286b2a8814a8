/**
 * Recovery time: from the moment a fault ended, fresh enrollments (new device, new transactionID, the same client
 * behaviour as the load) one after another until one gets its certificate, or the time limit passes.
 */
import type { Tally } from '../enrollment-load';
import { interrupted, sleep } from '../lifecycle';
import { enrollLikeADevice } from './device-client';
import { type LoadSettings, newRequest } from './fault-load';

export interface RecoveryResult {
  /** Seconds from the end of the fault to the first fresh SUCCESS; undefined when none within the limit. */
  readonly seconds?: number;
  readonly attempts: number;
  readonly lastEnd?: string;
}

/** Probe answers go into `responses` with the load's: a 500 to a probe counts like any other. */
export async function probeRecovery(settings: LoadSettings, faultEndedAt: number, limitMs: number, responses: Tally): Promise<RecoveryResult> {
  const limit = faultEndedAt + limitMs;
  let attempts = 0;
  let lastEnd: string | undefined;
  // Bounded by `limit`: each probe's own deadline ends there at the latest.
  while (Date.now() < limit && !interrupted()) {
    attempts++;
    const request = newRequest(settings, 'probe');
    const device = settings.pool.devices[request.keyIndex];
    if (!device) throw new Error(`no device key ${request.keyIndex}`);
    const deadlineMs = Math.max(1_000, Math.min(15_000, limit - Date.now()));
    const result = await enrollLikeADevice(settings.client, settings.endpoint, device, request, { ...settings.policy, deadlineMs }, responses);
    if (result.end === 'success') return { seconds: Math.max(0, (result.finishedAt - faultEndedAt) / 1000), attempts };
    lastEnd = result.detail ?? result.end;
    await sleep(Math.min(1_000, Math.max(0, limit - Date.now())));
  }
  return { attempts, ...(lastEnd ? { lastEnd } : {}) };
}
