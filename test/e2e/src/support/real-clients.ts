import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { scratchDir } from './scratch-dir';

/**
 * Drivers for the Debian SCEP clients of the interop tests: strongSwan's `pki --scep` / `--scepca` and certmonger
 * (its daemon on a private D-Bus session bus, driven by getcert). Every run is bounded in time; on timeout the process
 * group the run started (and only that) is killed by PID. In CI a missing client is a failure, locally a skip.
 */

export const PKI = '/usr/bin/pki';
/** strongSwan's pki fetches over HTTP only through its curl plugin (Debian package libstrongswan-extra-plugins). */
export const STRONGSWAN_CURL_PLUGIN = '/usr/lib/ipsec/plugins/libstrongswan-curl.so';
export const CERTMONGER_SESSION = '/usr/lib/certmonger/certmonger-session';
export const GETCERT = '/usr/bin/getcert';
export const DBUS_RUN_SESSION = '/usr/bin/dbus-run-session';

function available(what: string, files: readonly string[], install: string): boolean {
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length === 0) return true;
  if (process.env.CI) throw new Error(`${what} is missing (${missing.join(', ')}; apt-get install ${install}): e2e tests must not be skipped in CI`);
  return false;
}

export const strongswanAvailable = () => available('strongSwan pki', [PKI, STRONGSWAN_CURL_PLUGIN], 'strongswan-pki libstrongswan-extra-plugins');
export const certmongerAvailable = () => available('certmonger', [CERTMONGER_SESSION, GETCERT, DBUS_RUN_SESSION], 'certmonger dbus');

export interface BoundedResult {
  readonly code: number | null;
  readonly output: string;
  readonly stdout: string;
  readonly timedOut: boolean;
}

/** Runs `cmd` in its own process group; after `timeoutMs` that group (the one this call started) is killed by PID. */
export function runBounded(cmd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<BoundedResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let stdout = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, options.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, stdout, timedOut });
    });
  });
}

/** strongSwan prints a line per plugin it could not load (TPM, PKCS#11, ...): noise for test output. */
export function strongswanLog(output: string): string {
  return output
    .split('\n')
    .filter((l) => !/failed to load|^builder L\d|^L\d+ - |could not load "libtss2/.test(l))
    .join('\n');
}

export function tempDir(prefix: string): string {
  return scratchDir(prefix);
}

/** `pki --gen`: an RSA key in PEM. */
export async function strongswanKey(dir: string, name: string, bits = 2048): Promise<string> {
  const file = path.join(dir, name);
  const result = await runBounded(PKI, ['--gen', '--type', 'rsa', '--size', String(bits), '--outform', 'pem'], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`pki --gen failed: ${result.output}`);
  fs.writeFileSync(file, result.stdout);
  return file;
}

/** `pki --scepca`: GetCACert, writing the CA certificate and the RA certificate(s) as DER. */
export async function strongswanScepca(url: string, dir: string): Promise<BoundedResult & { caPath: string; raPath: string }> {
  const caPath = path.join(dir, 'ca.der');
  const raPath = path.join(dir, 'ra.der');
  const result = await runBounded(PKI, ['--scepca', '--url', url, '--caout', caPath, '--raout', raPath, '--force'], { timeoutMs: 30_000 });
  return { ...result, output: strongswanLog(result.output), caPath, raPath };
}

export interface StrongswanEnrollOptions {
  readonly url: string;
  readonly dir: string;
  readonly keyPath: string;
  readonly dn: string;
  readonly challenge?: string;
  readonly raPath: string;
  readonly caPath: string;
  readonly cipher?: 'aes' | 'des3';
  readonly digest?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  readonly pss?: boolean;
  /** Renewal: the certificate to renew and its key (--cert / --key); keyPath is then the new key. */
  readonly oldCertPath?: string;
  readonly oldKeyPath?: string;
  /** strongswan.conf pki.scep.renewal_via_pkcs_req: renew with PKCSReq (19) instead of RenewalReq (17). */
  readonly renewalViaPkcsReq?: boolean;
  /** Seconds between CertPolls while PENDING (--interval) and the polling limit (--maxpolltime). */
  readonly interval?: number;
  readonly maxPollTime?: number;
  readonly timeoutMs?: number;
}

/** `pki --scep`: enrolls (or renews); the issued certificate is written as PEM to `<dir>/<name>.crt.pem` when it succeeds. */
export async function strongswanEnroll(o: StrongswanEnrollOptions): Promise<BoundedResult & { certPath: string }> {
  const name = `${path.basename(o.keyPath, '.pem')}-${randomBytes(3).toString('hex')}`;
  const certPath = path.join(o.dir, `${name}.crt.pem`);
  const conf = path.join(o.dir, `${name}.strongswan.conf`);
  fs.writeFileSync(conf, o.renewalViaPkcsReq ? 'pki {\n  scep {\n    renewal_via_pkcs_req = yes\n  }\n}\n' : 'pki {\n}\n');
  const args = ['--scep', '--url', o.url, '--in', o.keyPath, '--dn', o.dn, '--cacert-enc', o.raPath, '--cacert-sig', o.raPath, '--cacert', o.caPath,
    '--interval', String(o.interval ?? 2), '--maxpolltime', String(o.maxPollTime ?? 60), '--outform', 'pem', '--debug', '2'];
  if (o.challenge !== undefined) args.push('--password', o.challenge);
  if (o.cipher) args.push('--cipher', o.cipher);
  if (o.digest) args.push('--digest', o.digest);
  if (o.pss) args.push('--rsa-padding', 'pss');
  if (o.oldCertPath) args.push('--cert', o.oldCertPath, '--key', o.oldKeyPath ?? '');
  const result = await runBounded(PKI, args, { env: { ...process.env, STRONGSWAN_CONF: conf }, timeoutMs: o.timeoutMs ?? 90_000 });
  if (result.code === 0) fs.writeFileSync(certPath, result.stdout);
  return { ...result, output: strongswanLog(result.output), certPath };
}

/**
 * certmonger: certmonger-session (the per-user daemon) runs `script` as its gate command (-c), on a private bus made by
 * dbus-run-session, with all its state under `home` (HOME); the daemon lives exactly as long as the script. getcert
 * reaches it with -s. The script's own output and the daemon's debug log (-d 2) come back in `output`.
 */
export async function runCertmonger(home: string, script: readonly string[], timeoutMs = 90_000): Promise<BoundedResult> {
  fs.mkdirSync(home, { recursive: true });
  const file = path.join(home, `gate-${randomBytes(4).toString('hex')}.sh`);
  fs.writeFileSync(file, ['#!/bin/sh', ...script, ''].join('\n'), { mode: 0o700 });
  return runBounded(DBUS_RUN_SESSION, ['--', CERTMONGER_SESSION, '-n', '-d', '2', '-c', file], { env: { ...process.env, HOME: home }, cwd: home, timeoutMs });
}

/** Shell: wait (up to `seconds`) until request `id` reaches one of the `|`-separated states, then print `getcert list`. */
export function certmongerWaitFor(id: string, states: string, seconds: number): string {
  return (
    `for i in $(seq 1 ${seconds * 4}); do s=$(getcert list -s -i ${id} | sed -n 's/^[[:space:]]*status: //p'); ` +
    `case "$s" in ${states}) break;; esac; sleep 0.25; done; getcert list -s -i ${id}`
  );
}

/** The last `status:` that `getcert list` printed in a run's output. */
export function certmongerStatus(output: string): string | undefined {
  return [...output.matchAll(/^\s*status: (\S+)/gm)].map((m) => m[1]).pop();
}

/** Shell: wait (up to `seconds`) for `file` to exist (a signal from the test). */
export function waitForFile(file: string, seconds: number): string {
  return `for i in $(seq 1 ${seconds * 4}); do [ -e '${file}' ] && break; sleep 0.25; done`;
}
