import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { buildSelfSignedCaCertificate, randomSerial } from './certificate-builder';
import { readCertificate } from './certificate-info';
import { buildCrl } from './crl-builder';
import { derToPem } from './der';
import { encodeDistinguishedName } from './name';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crl-'));
const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = new Date('2026-06-01T12:00:00Z');
const caDer = buildSelfSignedCaCertificate({
  subjectDer: encodeDistinguishedName('CN=CRL Test CA,O=Acme'),
  keyPair,
  notBefore: new Date('2026-01-01T00:00:00Z'),
  notAfter: new Date('2036-01-01T00:00:00Z'),
  digest: 'sha256',
  serial: randomSerial(),
});
const ca = readCertificate(caDer);
fs.writeFileSync(path.join(dir, 'ca.pem'), derToPem(caDer, 'CERTIFICATE'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function openssl(args: string[]) {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

describe('buildCrl (checked with openssl)', () => {
  it('makes an empty v2 CRL that verifies against the CA, with AKI and cRLNumber', () => {
    const crl = buildCrl({ issuer: ca, issuerKey: keyPair.privateKey, thisUpdate: now, nextUpdate: new Date(now.getTime() + 7 * 86400_000), crlNumber: 1n, revoked: [], digest: 'sha256' });
    fs.writeFileSync(path.join(dir, 'empty.crl'), crl);
    const verify = openssl(['crl', '-inform', 'DER', '-in', 'empty.crl', '-CAfile', 'ca.pem', '-noout', '-text']);
    expect(verify.out).toContain('verify OK');
    expect(verify.out).toContain('Version 2');
    expect(verify.out).toMatch(/X509v3 CRL Number:\s+1\b/);
    expect(verify.out).toContain('X509v3 Authority Key Identifier');
    expect(verify.out).toContain('No Revoked Certificates');
    expect(verify.out).toContain('Issuer: O = Acme, CN = CRL Test CA');
    expect(verify.out).toContain('Last Update: Jun  1 12:00:00 2026 GMT');
  });

  it('lists revoked serials with dates and reasons, and large CRL numbers', () => {
    const serial = Buffer.from('7f0102030405060708090a0b0c0d0e0f', 'hex');
    const crl = buildCrl({
      issuer: ca,
      issuerKey: keyPair.privateKey,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 86400_000),
      crlNumber: 2n ** 64n + 5n,
      revoked: [
        { serial, revokedAt: new Date('2026-05-30T10:00:00Z'), reason: 1 },
        { serial: Buffer.from([0x05]), revokedAt: new Date('2026-05-31T10:00:00Z') },
      ],
      digest: 'sha256',
    });
    fs.writeFileSync(path.join(dir, 'revoked.crl'), crl);
    const text = openssl(['crl', '-inform', 'DER', '-in', 'revoked.crl', '-CAfile', 'ca.pem', '-noout', '-text']).out;
    expect(text).toContain('verify OK');
    expect(text).toContain('Serial Number: 7F0102030405060708090A0B0C0D0E0F');
    expect(text).toContain('Key Compromise');
    expect(text).toContain('Serial Number: 05');
    expect(text).toMatch(/CRL Number:\s+18446744073709551621/);
  });

  it('refuses a nextUpdate before thisUpdate and a negative number', () => {
    const base = { issuer: ca, issuerKey: keyPair.privateKey, thisUpdate: now, revoked: [], digest: 'sha256' as const };
    expect(() => buildCrl({ ...base, nextUpdate: now, crlNumber: 1n })).toThrow(/nextUpdate/);
    expect(() => buildCrl({ ...base, nextUpdate: new Date(now.getTime() + 1000), crlNumber: -1n })).toThrow(/non-negative/);
  });
});
