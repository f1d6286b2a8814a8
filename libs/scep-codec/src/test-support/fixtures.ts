// Test support: fixtures made by independent tools (openssl, micromdm scepclient) and an openssl runner.
// See test/fixtures/scep/README.md for how they were made. Test-only keys.
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pemToDer, readCertificate } from '@scep/pki';
import type { CertificateInfo } from '@scep/pki';

export const FIXTURES = resolve(__dirname, '../../../../test/fixtures/scep');

export function fixture(relative: string): Buffer {
  return readFileSync(join(FIXTURES, relative));
}

export function fixtureText(relative: string): string {
  return readFileSync(join(FIXTURES, relative), 'utf8');
}

export function fixtureCert(relative: string): CertificateInfo {
  return readCertificate(pemToDer(fixtureText(relative), 'CERTIFICATE'));
}

export function fixtureKey(relative: string): KeyObject {
  return createPrivateKey(fixtureText(relative));
}

/** The PKI of the fixtures: CA, RA (signs/decrypts for the server), a device and its CSR. */
export function testPki() {
  return {
    ca: fixtureCert('ca.crt.pem'),
    caKey: fixtureKey('ca.key.pem'),
    ra: fixtureCert('ra.crt.pem'),
    raKey: fixtureKey('ra.key.pem'),
    client: fixtureCert('client.crt.pem'),
    clientKey: fixtureKey('client.key.pem'),
    otherKey: fixtureKey('other.key.pem'),
    csr: fixture('client.csr.der'),
  };
}

export const opensslAvailable = spawnSync('openssl', ['version']).status === 0;

/** A scratch directory for openssl runs, removed by the returned cleanup. */
export function scratch(): { dir: string; write(name: string, data: string | Uint8Array): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'scep-codec-test-'));
  return {
    dir,
    write(name, data) {
      const path = join(dir, name);
      writeFileSync(path, data);
      return path;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs openssl, returns stdout; throws with stderr on failure. */
export function openssl(args: readonly string[], input?: Uint8Array): Buffer {
  try {
    return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer };
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr?.toString() ?? String(e)}`, { cause: e });
  }
}
