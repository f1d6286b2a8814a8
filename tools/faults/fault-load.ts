/**
 * The load of a scenario: `concurrency` device slots, each enrolling one new device after another (its own key from
 * the pool, its own transactionID and CSR) until the load window closes; devices still enrolling then finish on
 * their own deadline. Requests are built on the fly (a few ms each): this load is about behaviour, not speed.
 */
import {
  type BuiltRequest,
  type HttpClient,
  type KeyPool,
  type ScepEndpoint,
  type Tally,
  buildRequests,
  planRequests,
} from '../enrollment-load';
import { interrupted, sleep } from '../lifecycle';
import { type DevicePolicy, type DeviceResult, enrollLikeADevice } from './device-client';

export interface LoadSettings {
  readonly client: HttpClient;
  readonly endpoint: ScepEndpoint;
  readonly pool: KeyPool;
  readonly challenge: string;
  readonly concurrency: number;
  readonly policy: DevicePolicy;
  readonly pauseMs: number;
  /** Pause of a slot after a device ended without a certificate: a real client retries later, not in a busy loop. */
  readonly afterFailureMs: number;
  /** Device numbers stay unique across load and probes. */
  readonly numbering: { next: number };
}

export function newRequest(settings: Pick<LoadSettings, 'endpoint' | 'pool' | 'challenge' | 'numbering'>, label: string): BuiltRequest {
  const [item] = planRequests(1, settings.pool.raw.length, settings.numbering.next++, label);
  const [request] = buildRequests({ kind: 'requests', keys: settings.pool.raw, items: item ? [item] : [], recipientsDer: settings.endpoint.recipients.map((c) => c.der), challenge: settings.challenge });
  return request as BuiltRequest;
}

/** Runs until `until()` is true (checked between devices), then waits for devices in flight (bounded by their deadline). */
export async function runDeviceLoad(settings: LoadSettings, until: () => boolean, responses: Tally): Promise<DeviceResult[]> {
  const devices: DeviceResult[] = [];
  const slot = async () => {
    while (!until() && !interrupted()) {
      const request = newRequest(settings, 'fault-device');
      const device = settings.pool.devices[request.keyIndex];
      if (!device) throw new Error(`no device key ${request.keyIndex}`);
      const result = await enrollLikeADevice(settings.client, settings.endpoint, device, request, settings.policy, responses);
      devices.push(result);
      const pause = result.end === 'success' ? settings.pauseMs : Math.max(settings.pauseMs, settings.afterFailureMs);
      if (pause) await sleep(pause);
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, slot));
  return devices;
}
