/**
 * A pool of RSA-2048 device keys (with their self-signed certificates), cached on disk under tmp/ keyed by its
 * size: generating 1,000 keys costs about a minute of CPU, so repeated runs reuse them. Requests reuse pool keys
 * (each request still has its own transactionID and CSR); they are throwaway test keys, never used elsewhere.
 */
import { type KeyObject, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { importPrivateKeyPkcs8 } from '@scep/pki';
import type { PoolKey } from './build-jobs';
import type { BuildWorkers } from './worker-pool';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CACHE_DIR = path.join(REPO_ROOT, 'tmp', 'load-keys');

/** A pool key as the load generator's main thread uses it to read replies. */
export interface DeviceKey {
  readonly index: number;
  readonly key: KeyObject;
  readonly spkiDer: Buffer;
}

export interface KeyPool {
  readonly raw: readonly PoolKey[];
  readonly devices: readonly DeviceKey[];
  /** Where the pool came from, for the report ("cache" or seconds spent generating). */
  readonly origin: string;
}

const cacheFile = (count: number) => path.join(CACHE_DIR, `rsa2048-${count}.json`);

function readCache(count: number): PoolKey[] | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(cacheFile(count), 'utf8')) as Array<{ pkcs8: string; certificate: string }>;
    if (parsed.length !== count) return undefined;
    return parsed.map((k) => ({ pkcs8: Buffer.from(k.pkcs8, 'base64'), certificateDer: Buffer.from(k.certificate, 'base64') }));
  } catch {
    return undefined;
  }
}

function writeCache(keys: readonly PoolKey[]): void {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const temp = `${cacheFile(keys.length)}.${process.pid}.tmp`;
  const json = JSON.stringify(keys.map((k) => ({ pkcs8: k.pkcs8.toString('base64'), certificate: k.certificateDer.toString('base64') })));
  fs.writeFileSync(temp, json, { mode: 0o600 });
  fs.renameSync(temp, cacheFile(keys.length)); // atomic: a concurrent or interrupted run never reads half a file
}

export async function loadKeyPool(count: number, workers: BuildWorkers, log: (line: string) => void): Promise<KeyPool> {
  let raw = readCache(count);
  let origin = `cache ${path.relative(process.cwd(), cacheFile(count))}`;
  if (!raw) {
    log(`generating ${count} RSA-2048 device keys on ${workers.size} worker threads (cached for later runs)…`);
    const t0 = performance.now();
    raw = (await workers.generateKeys(count)).map((k) => ({ pkcs8: Buffer.from(k.pkcs8), certificateDer: Buffer.from(k.certificateDer) }));
    writeCache(raw);
    origin = `generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  }
  const devices = raw.map((k, index) => {
    const key = importPrivateKeyPkcs8(k.pkcs8);
    return { index, key, spkiDer: createPublicKey(key).export({ type: 'spki', format: 'der' }) };
  });
  return { raw, devices, origin };
}
