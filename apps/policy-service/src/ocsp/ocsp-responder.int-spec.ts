import { testApprovalSecret } from '../test-env.int';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { KeyWrapAad } from '@scep/contracts';
import { databaseRootModule } from '@scep/persistence-core';
import { CertificateAuthorityReader, IssuedCertificateReader, OcspResponderReader } from '@scep/persistence-read';
import { buildSelfSignedCaCertificate, derToPem, encodeDistinguishedName, exportPrivateKeyPkcs8, issueCertificate, randomSerial, readCertificate, wrapSecret } from '@scep/pki';
import { deriveOcspResponderWrapKey, ocspResponderWrapKeyId } from '@scep/signing-approval';
import { type TestDatabase, createTestDatabase } from '@scep/testing';
import { OcspResponder } from './ocsp-responder.service';
import { OcspSigningMaterials } from './ocsp-signing-material';
import { TokenBuckets } from './token-buckets';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-ocsp-'));
function openssl(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('openssl', args, { cwd: work, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** A CA as the signer leaves it in the database: certificate, issued certificates, a delegated responder. */
function makeCa(name: string) {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const der = buildSelfSignedCaCertificate({ subjectDer: encodeDistinguishedName(`CN=${name},O=Acme`), keyPair: keys, notBefore: new Date(now - 86400_000), notAfter: new Date(now + 365 * 86400_000), digest: 'sha256', serial: randomSerial() });
  const info = readCertificate(der);
  const issue = (cn: string, extendedKeyUsage: string[] = [], ocspNoCheck = false) => {
    const leafKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const leafDer = issueCertificate({
      issuer: info,
      issuerKey: keys.privateKey,
      subjectDer: encodeDistinguishedName(`CN=${cn}`),
      subjectSpkiDer: leafKeys.publicKey.export({ type: 'spki', format: 'der' }),
      serial: randomSerial(),
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 7 * 86400_000),
      digest: 'sha256',
      keyUsage: ['digitalSignature'],
      extendedKeyUsage,
      ocspNoCheck,
    });
    return { der: leafDer, info: readCertificate(leafDer), key: leafKeys.privateKey };
  };
  return { id: randomUUID(), der, info, issue };
}

describe('OCSP responder in the policy service (real PostgreSQL; openssl ocsp as the client and the check)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let dataSource: DataSource;
  let responder: OcspResponder;
  const tenantId = randomUUID();
  const ca = makeCa('Policy OCSP Test CA');
  const noResponderCa = makeCa('CA Without Responder');
  const good = ca.issue('good-device');
  const revoked = ca.issue('revoked-device');
  const otherCaCert = noResponderCa.issue('other-ca-device');

  const insertCa = (c: typeof ca) =>
    dataSource.query(
      `INSERT INTO issuance.certificate_authorities (id, tenant_id, name, subject, certificate_der, key_spec, not_before, not_after) VALUES ($1, $2, $3, 'CN=x', $4, 'rsa-2048', $5, $6)`,
      [c.id, tenantId, c.id, c.der, c.info.notBefore, c.info.notAfter],
    );
  const insertCertificate = (caId: string, cert: { der: Buffer; info: ReturnType<typeof readCertificate> }, revocation?: { at: Date; reason: number }) =>
    dataSource.query(
      `INSERT INTO issuance.certificates (id, tenant_id, ca_id, profile_id, enrollment_id, serial_hex, subject, not_before, not_after, certificate_der, revoked_at, revocation_reason)
       VALUES ($1, $2, $3, $4, $5, $6, 'CN=x', $7, $8, $9, $10, $11)`,
      [randomUUID(), tenantId, caId, randomUUID(), randomUUID(), cert.info.serialHex, cert.info.notBefore, cert.info.notAfter, cert.der, revocation?.at ?? null, revocation?.reason ?? null],
    );
  /** A request made by openssl, answered by the responder, written for openssl to check. */
  const ask = async (name: string, args: string[], caId = ca.id, tenant = tenantId) => {
    const made = openssl(['ocsp', '-issuer', 'ca.pem', ...args, '-reqout', `${name}.req`]);
    if (!made.ok) throw new Error(made.out);
    const answer = await responder.respond({ tenantId: tenant, caId, requestDer: fs.readFileSync(path.join(work, `${name}.req`)).toString('base64') });
    if (answer.result === 'response') fs.writeFileSync(path.join(work, `${name}.resp`), Buffer.from(answer.responseDer, 'base64'));
    return answer;
  };
  const check = (name: string, extra: string[] = []) => openssl(['ocsp', '-reqin', `${name}.req`, '-respin', `${name}.resp`, '-CAfile', 'ca.pem', '-resp_text', ...extra]).out;

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    moduleRef = await Test.createTestingModule({
      imports: [databaseRootModule('policy-ocsp-test', [])],
      providers: [CertificateAuthorityReader, OcspResponderReader, IssuedCertificateReader, OcspSigningMaterials, OcspResponder],
    }).compile();
    await moduleRef.init();
    dataSource = moduleRef.get(getDataSourceToken());
    responder = moduleRef.get(OcspResponder);
    await insertCa(ca);
    await insertCa(noResponderCa);
    await insertCertificate(ca.id, good);
    await insertCertificate(ca.id, revoked, { at: new Date('2026-12-01T08:30:00Z'), reason: 1 });
    await insertCertificate(noResponderCa.id, otherCaCert);
    // The responder as the signer issues it: OCSPSigning + nocheck, key wrapped under the approval-derived key.
    const delegated = ca.issue('OCSP Responder', ['1.3.6.1.5.5.7.3.9'], true);
    const responderId = randomUUID();
    await dataSource.query(
      `INSERT INTO issuance.ocsp_responders (id, tenant_id, ca_id, certificate_der, kek_id, wrapped_key, not_before, not_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        responderId,
        tenantId,
        ca.id,
        delegated.der,
        ocspResponderWrapKeyId(deriveOcspResponderWrapKey(testApprovalSecret)),
        wrapSecret(deriveOcspResponderWrapKey(testApprovalSecret), exportPrivateKeyPkcs8(delegated.key), KeyWrapAad.ocspResponderKey(tenantId, responderId)),
        delegated.info.notBefore,
        delegated.info.notAfter,
      ],
    );
    for (const [file, der] of [['ca.pem', ca.der], ['good.pem', good.der], ['revoked.pem', revoked.der]] as const) fs.writeFileSync(path.join(work, file), derToPem(der, 'CERTIFICATE'));
  }, 60_000);

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('answers good, revoked (time and reason) and unknown in one response, echoing the nonce, signed by the delegated responder', async () => {
    const answer = await ask('mixed', ['-cert', 'good.pem', '-cert', 'revoked.pem', '-serial', '0x7F0000000000000000000000000000AB']);
    expect(answer).toMatchObject({ result: 'response' });
    const text = check('mixed');
    expect(text).toContain('Response verify OK');
    expect(text).not.toMatch(/WARNING: no nonce|Nonce Verify error/);
    expect([...text.matchAll(/Serial Number: ([0-9A-F]+)\s+Cert Status: (\w+)/g)].map((m) => [m[1], m[2]])).toEqual([
      [good.info.serialHex, 'good'],
      [revoked.info.serialHex, 'revoked'],
      ['7F0000000000000000000000000000AB', 'unknown'],
    ]);
    expect(text).toContain('Revocation Time: Dec  1 08:30:00 2026 GMT');
    expect(text).toContain('Revocation Reason: keyCompromise (0x1)');
    if (answer.result !== 'response') throw new Error('no response');
    const validity = Date.parse(answer.nextUpdate) - Date.parse(answer.thisUpdate);
    expect(validity).toBe(60 * 60_000);
    expect(Date.parse(answer.cacheUntil) - Date.parse(answer.thisUpdate)).toBe(validity / 2);
  });

  it('answers a request without a nonce without one (what the gateway caches), and a SHA-256 CertID with the same CertID', async () => {
    await ask('plain', ['-no_nonce', '-sha256', '-cert', 'good.pem']);
    const text = check('plain', ['-no_nonce']);
    expect(text).toContain('Response verify OK');
    expect(text).toContain('Hash Algorithm: sha256');
    expect(text).toMatch(/Cert Status: good/);
    expect(text).not.toContain('OCSP Nonce');
  });

  it("says unknown for a certificate of another of the tenant's CAs asked at this CA's responder", async () => {
    fs.writeFileSync(path.join(work, 'other-ca.pem'), derToPem(noResponderCa.der, 'CERTIFICATE'));
    fs.writeFileSync(path.join(work, 'other.pem'), derToPem(otherCaCert.der, 'CERTIFICATE'));
    const made = openssl(['ocsp', '-issuer', 'other-ca.pem', '-cert', 'other.pem', '-reqout', 'other.req']);
    expect(made.ok).toBe(true);
    const answer = await responder.respond({ tenantId, caId: ca.id, requestDer: fs.readFileSync(path.join(work, 'other.req')).toString('base64') });
    if (answer.result !== 'response') throw new Error(JSON.stringify(answer));
    fs.writeFileSync(path.join(work, 'other.resp'), Buffer.from(answer.responseDer, 'base64'));
    expect(check('other')).toMatch(/Cert Status: unknown/);
  });

  it('refuses with unsigned statuses: malformed requests (naming the field), foreign or unknown CAs, a CA without responder', async () => {
    expect(await responder.respond({ tenantId, caId: ca.id, requestDer: Buffer.from('not ocsp').toString('base64') })).toMatchObject({
      result: 'refused',
      status: 'malformedRequest',
      reason: expect.stringContaining('OCSPRequest'),
    });
    expect(await ask('foreign', ['-cert', 'good.pem'], ca.id, randomUUID())).toMatchObject({ result: 'refused', status: 'unauthorized' });
    expect(await ask('unknown-ca', ['-cert', 'good.pem'], randomUUID())).toMatchObject({ result: 'refused', status: 'unauthorized' });
    expect(await ask('no-responder', ['-cert', 'good.pem'], noResponderCa.id)).toMatchObject({ result: 'refused', status: 'tryLater' });
  });

  it('uses no responder wrapped under another approval secret (the signer issues new ones after a change)', async () => {
    const delegated = noResponderCa.issue('OCSP Responder', ['1.3.6.1.5.5.7.3.9'], true);
    const otherSecret = Buffer.alloc(32, 7);
    const id = randomUUID();
    await dataSource.query(
      `INSERT INTO issuance.ocsp_responders (id, tenant_id, ca_id, certificate_der, kek_id, wrapped_key, not_before, not_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        tenantId,
        noResponderCa.id,
        delegated.der,
        ocspResponderWrapKeyId(deriveOcspResponderWrapKey(otherSecret)),
        wrapSecret(deriveOcspResponderWrapKey(otherSecret), exportPrivateKeyPkcs8(delegated.key), KeyWrapAad.ocspResponderKey(tenantId, id)),
        delegated.info.notBefore,
        delegated.info.notAfter,
      ],
    );
    fs.writeFileSync(path.join(work, 'other-ca.pem'), derToPem(noResponderCa.der, 'CERTIFICATE'));
    fs.writeFileSync(path.join(work, 'other.pem'), derToPem(otherCaCert.der, 'CERTIFICATE'));
    expect(openssl(['ocsp', '-issuer', 'other-ca.pem', '-cert', 'other.pem', '-reqout', 'rotated.req']).ok).toBe(true);
    // A fresh lookup (the "no responder" answer above is remembered for a few seconds).
    const fresh = new OcspResponder(new OcspSigningMaterials(moduleRef.get(CertificateAuthorityReader), moduleRef.get(OcspResponderReader)), moduleRef.get(IssuedCertificateReader));
    expect(await fresh.respond({ tenantId, caId: noResponderCa.id, requestDer: fs.readFileSync(path.join(work, 'rotated.req')).toString('base64') })).toMatchObject({ result: 'refused', status: 'tryLater' });
  });

  it('answers tryLater once the CA has used its signatures', async () => {
    Object.defineProperty(responder, 'signatures', { value: new TokenBuckets(0.001, 1) });
    expect(await ask('first', ['-cert', 'good.pem'])).toMatchObject({ result: 'response' });
    expect(await ask('second', ['-cert', 'good.pem'])).toMatchObject({ result: 'refused', status: 'tryLater' });
  });
});
