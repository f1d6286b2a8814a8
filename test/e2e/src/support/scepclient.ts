import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { scratchDir } from './scratch-dir';

/** micromdm's Go client from Debian's `scep` package. In CI its absence is a failure, not a skip. */
export const SCEPCLIENT = '/usr/bin/scepclient';

export function scepclientAvailable(): boolean {
  if (fs.existsSync(SCEPCLIENT)) return true;
  if (process.env.CI) throw new Error('scepclient is missing (apt-get install scep): e2e tests must not be skipped in CI');
  return false;
}

export interface ScepclientResult {
  readonly code: number | null;
  readonly output: string;
  readonly dir: string;
  readonly keyPath: string;
  readonly certPath: string;
}

/**
 * Runs `scepclient` to enroll, with a hard time bound; the key and certificate land in a fresh temp directory.
 * The client resends its request every 30 s while it gets PENDING.
 */
export function runScepclient(options: { url: string; challenge: string; cn: string; keySize?: number; timeoutMs?: number; dir?: string }): Promise<ScepclientResult> {
  const dir = options.dir ?? scratchDir('scepclient-');
  const keyPath = path.join(dir, 'client.key');
  const certPath = path.join(dir, 'client.crt');
  const args = [
    '-server-url', options.url,
    '-challenge', options.challenge,
    '-private-key', keyPath,
    '-certificate', certPath,
    '-cn', options.cn,
    '-keySize', String(options.keySize ?? 2048),
    '-debug',
  ];
  return new Promise((resolve) => {
    const child = spawn(SCEPCLIENT, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    // 'close', not 'exit': 'exit' can come before the last output is read.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, dir, keyPath, certPath });
    });
  });
}

/** `openssl verify -CAfile ca.pem cert.pem` (independent check of the chain). */
export function opensslVerify(caPem: string, certPath: string): { ok: boolean; output: string } {
  const caFile = path.join(path.dirname(certPath), `ca-${Date.now()}.pem`);
  fs.writeFileSync(caFile, caPem);
  const result = spawnSync('openssl', ['verify', '-CAfile', caFile, certPath], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/** The certificates of a GetCACert bag, as PEM, via `openssl pkcs7 -print_certs`. */
export function bagToPem(bagDer: Buffer): string {
  const result = spawnSync('openssl', ['pkcs7', '-inform', 'DER', '-print_certs'], { input: bagDer });
  if (result.status !== 0) throw new Error(`openssl pkcs7 failed: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

export function opensslText(certPath: string): string {
  return spawnSync('openssl', ['x509', '-in', certPath, '-noout', '-text'], { encoding: 'utf8' }).stdout;
}
