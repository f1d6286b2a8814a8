import { testKeks } from '../test-env.int';
import { spawnSync } from 'node:child_process';
import { createPublicKey, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import type { DataSource } from 'typeorm';
import { CaKeyStore, CaKeyUnavailableError } from '@scep/ca-keystore';
import { KeyWrapAad } from '@scep/contracts';
import { databaseRootModule } from '@scep/persistence-core';
import { CaKeyEntity, RaCredentialEntity, issuanceEntities } from '@scep/persistence-issuance';
import { derToPem, importPrivateKeyPkcs8, readCertificate, unwrapSecret } from '@scep/pki';
import { type TestDatabase, createTestDatabase } from '@scep/testing';
import { CrlIssuer } from '../crl/crl-issuer.service';
import { CaGenerator } from '../key-management/ca-generator.service';
import { RaIssuer } from '../key-management/ra-issuer.service';
import { CertificateIssuer } from './certificate-issuer.service';
import { IssuingCaCache } from './issuing-ca.cache';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'signer-int-'));
function openssl(args: string[], input?: string): string {
  const r = spawnSync('openssl', args, { cwd: work, encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return `${r.stdout}${r.stderr}`; // "verify OK" is written to stderr
}

/** A CSR that asks for everything a device must not get: CA flags, keyCertSign, a foreign EKU, name constraints. */
function greedyCsr(): Buffer {
  fs.writeFileSync(
    path.join(work, 'greedy.cnf'),
    [
      '[req]', 'prompt = no', 'distinguished_name = dn', 'req_extensions = ext',
      '[dn]', 'CN = greedy-device', 'O = Acme',
      '[ext]',
      'basicConstraints = critical,CA:TRUE,pathlen:3',
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'extendedKeyUsage = codeSigning,OCSPSigning',
      'nameConstraints = permitted;DNS:example.com',
      'subjectAltName = DNS:greedy.example.com,IP:10.1.2.3',
    ].join('\n'),
  );
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'greedy.key', '-config', 'greedy.cnf', '-outform', 'DER', '-out', 'greedy.csr']);
  return fs.readFileSync(path.join(work, 'greedy.csr'));
}

describe('signer (real PostgreSQL, real keys)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let dataSource: DataSource;
  const tenantId = randomUUID();
  const caId = randomUUID();
  let caPem: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    moduleRef = await Test.createTestingModule({
      imports: [databaseRootModule('signer-test', issuanceEntities)],
      providers: [CaKeyStore, IssuingCaCache, CertificateIssuer, CrlIssuer, CaGenerator, RaIssuer],
    }).compile();
    await moduleRef.init();
    dataSource = moduleRef.get(getDataSourceToken());
    const ca = await moduleRef.get(CaGenerator).generate({ tenantId, caId, name: 'root', subjectDn: 'CN=Signer Test CA,O=Acme', keySize: 2048, validityDays: 365 });
    caPem = derToPem(Buffer.from(ca.certificateDer, 'base64'), 'CERTIFICATE');
    fs.writeFileSync(path.join(work, 'ca.pem'), caPem);
  }, 120_000);

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  describe('CA generation', () => {
    it('stores a self-signed CA that openssl accepts, with its key only in wrapped form', async () => {
      expect(openssl(['verify', '-CAfile', 'ca.pem', 'ca.pem'])).toContain('OK');
      const text = openssl(['x509', '-in', 'ca.pem', '-noout', '-text']);
      expect(text).toMatch(/CA:TRUE/);
      expect(text).toMatch(/Certificate Sign, CRL Sign/);
      const key = await dataSource.getRepository(CaKeyEntity).findOneByOrFail({ tenantId, caId });
      expect(key.kekId).toBe('ca-kek-1');
      // The blob is not a PKCS#8 key, and it opens only with the CA KEK and this CA's AAD.
      expect(key.wrappedKey[0]).toBe(0x01);
      expect(() => importPrivateKeyPkcs8(key.wrappedKey)).toThrow();
      expect(importPrivateKeyPkcs8(unwrapSecret(testKeks.ca, key.wrappedKey, KeyWrapAad.caKey(tenantId, caId))).asymmetricKeyType).toBe('rsa');
      expect(() => unwrapSecret(testKeks.ra, key.wrappedKey, KeyWrapAad.caKey(tenantId, caId))).toThrow();
      expect(() => unwrapSecret(testKeks.ca, key.wrappedKey, KeyWrapAad.caKey(tenantId, randomUUID()))).toThrow();
    });

    it('is idempotent per CA id and refuses an unusable subject permanently', async () => {
      const again = await moduleRef.get(CaGenerator).generate({ tenantId, caId, name: 'root', subjectDn: 'CN=Other', keySize: 2048, validityDays: 365 });
      expect(derToPem(Buffer.from(again.certificateDer, 'base64'), 'CERTIFICATE')).toBe(caPem);
      await expect(
        moduleRef.get(CaGenerator).generate({ tenantId, caId: randomUUID(), name: 'bad', subjectDn: 'not a dn', keySize: 2048, validityDays: 365 }),
      ).rejects.toBeInstanceOf(UnrecoverableError);
    });
  });

  describe('RA credential', () => {
    it('is an end-entity certificate with digitalSignature + keyEncipherment, its key wrapped under the RA KEK', async () => {
      const raCredentialId = randomUUID();
      const ra = await moduleRef.get(RaIssuer).issue({ tenantId, caId, raCredentialId, subjectDn: 'CN=acme laptops SCEP RA', validityDays: 730 });
      fs.writeFileSync(path.join(work, 'ra.pem'), derToPem(Buffer.from(ra.certificateDer, 'base64'), 'CERTIFICATE'));
      expect(openssl(['verify', '-CAfile', 'ca.pem', 'ra.pem'])).toContain('OK');
      const text = openssl(['x509', '-in', 'ra.pem', '-noout', '-text']);
      expect(text).toMatch(/CA:FALSE/);
      expect(text).toMatch(/Digital Signature, Key Encipherment/);
      expect(text).not.toMatch(/Certificate Sign/);
      const row = await dataSource.getRepository(RaCredentialEntity).findOneByOrFail({ tenantId, id: raCredentialId });
      const raKey = importPrivateKeyPkcs8(unwrapSecret(testKeks.ra, row.wrappedKey, KeyWrapAad.raKey(tenantId, raCredentialId)));
      expect(readCertificate(row.certificateDer).publicKey.export({ type: 'spki', format: 'der' })).toEqual(
        createPublicKey(raKey).export({ type: 'spki', format: 'der' }),
      );
      expect(() => unwrapSecret(testKeks.ca, row.wrappedKey, KeyWrapAad.raKey(tenantId, raCredentialId))).toThrow();
    });
  });

  describe('certificate issuance', () => {
    const sign = (enrollmentId: string, csrDer: Buffer, overrides: Record<string, unknown> = {}) =>
      moduleRef.get(CertificateIssuer).issue({
        tenantId,
        profileId: randomUUID(),
        caId,
        enrollmentId,
        csrDer: csrDer.toString('base64'),
        validityDays: 30,
        keyUsage: ['digitalSignature', 'keyEncipherment'],
        extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'],
        copySubjectAltName: true,
        ...overrides,
      });

    it('takes subject and SAN from the CSR, everything else from the profile: never CA flags or extensions the CSR asks for', async () => {
      const result = await sign(randomUUID(), greedyCsr());
      fs.writeFileSync(path.join(work, 'leaf.pem'), derToPem(Buffer.from(result.certificateDer, 'base64'), 'CERTIFICATE'));
      expect(openssl(['verify', '-CAfile', 'ca.pem', 'leaf.pem'])).toContain('OK');
      const text = openssl(['x509', '-in', 'leaf.pem', '-noout', '-text']);
      expect(text).toMatch(/Subject: CN ?= ?greedy-device, O ?= ?Acme/);
      expect(text).toMatch(/CA:FALSE/);
      expect(text).not.toMatch(/CA:TRUE|Certificate Sign|CRL Sign|Code Signing|OCSP Signing|Name Constraints|pathlen/);
      expect(text).toMatch(/Digital Signature, Key Encipherment/);
      expect(text).toContain('TLS Web Client Authentication');
      expect(text).toMatch(/DNS:greedy\.example\.com, IP Address:10\.1\.2\.3/);
      expect(text).toContain(`URI:http://scep.example.test:8080/crl/${tenantId}/${caId}.crl`);
      const leaf = readCertificate(Buffer.from(result.certificateDer, 'base64'));
      expect(leaf.serialHex).toBe(result.serialHex);
      expect(leaf.serialNumber.length).toBe(16);
      const days = (leaf.notAfter.getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThanOrEqual(30);
    });

    it('never outlives its CA', async () => {
      const result = await sign(randomUUID(), greedyCsr(), { validityDays: 3650 });
      const ca = readCertificate(Buffer.from(caPem.split('\n').slice(1, -2).join(''), 'base64'));
      expect(new Date(result.notAfter).getTime()).toBeLessThanOrEqual(ca.notAfter.getTime());
    });

    it('returns the same certificate for a retried or concurrent job of one enrollment', async () => {
      const enrollmentId = randomUUID();
      const csr = greedyCsr();
      const results = await Promise.all(Array.from({ length: 5 }, () => sign(enrollmentId, csr)));
      expect(new Set(results.map((r) => r.serialHex)).size).toBe(1);
      expect((await sign(enrollmentId, csr)).serialHex).toBe(results[0]?.serialHex);
      const { n } = (await dataSource.query(`SELECT count(*)::int AS n FROM issuance.certificates WHERE enrollment_id = $1`, [enrollmentId]))[0];
      expect(n).toBe(1);
    });

    it('fails permanently on a CSR with a broken signature or an unknown CA', async () => {
      const tampered = Buffer.from(greedyCsr());
      tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 0x55;
      await expect(sign(randomUUID(), tampered)).rejects.toThrow(UnrecoverableError);
      await expect(sign(randomUUID(), Buffer.from('garbage'))).rejects.toThrow('csr-malformed');
      await expect(sign(randomUUID(), greedyCsr(), { caId: randomUUID() })).rejects.toThrow('ca-not-found');
    });
  });

  describe('CRLs', () => {
    const currentCrl = async () =>
      (await dataSource.query(`SELECT crl_number::int AS n, crl_der FROM issuance.crls WHERE tenant_id = $1 AND ca_id = $2 ORDER BY crl_number DESC LIMIT 1`, [tenantId, caId]))[0];

    it('gives every new CA an empty CRL that openssl verifies', async () => {
      const crl = await currentCrl();
      expect(crl.n).toBeGreaterThanOrEqual(1);
      fs.writeFileSync(path.join(work, 'first.crl'), crl.crl_der);
      const text = openssl(['crl', '-inform', 'DER', '-in', 'first.crl', '-CAfile', 'ca.pem', '-noout', '-text']);
      expect(text).toContain('verify OK');
      expect(text).toContain('No Revoked Certificates');
    });

    it('lists revoked certificates in the next CRL, numbered one above the last', async () => {
      const before = await currentCrl();
      const issued = await moduleRef.get(CertificateIssuer).issue({
        tenantId, profileId: randomUUID(), caId, enrollmentId: randomUUID(), csrDer: greedyCsr().toString('base64'),
        validityDays: 30, keyUsage: ['digitalSignature'], extendedKeyUsage: [], copySubjectAltName: false,
      });
      await dataSource.query(`UPDATE issuance.certificates SET revoked_at = now(), revocation_reason = 1 WHERE tenant_id = $1 AND serial_hex = $2`, [tenantId, issued.serialHex]);
      await moduleRef.get(CrlIssuer).issue(tenantId, caId);
      const after = await currentCrl();
      expect(after.n).toBe(before.n + 1);
      fs.writeFileSync(path.join(work, 'second.crl'), after.crl_der);
      const text = openssl(['crl', '-inform', 'DER', '-in', 'second.crl', '-CAfile', 'ca.pem', '-noout', '-text']);
      expect(text).toContain('verify OK');
      expect(text).toContain(`Serial Number: ${issued.serialHex}`);
      expect(text).toContain('Key Compromise');
    });

    it('refreshes only CRLs that are due', async () => {
      const crls = moduleRef.get(CrlIssuer);
      expect(await crls.refreshDue(tenantId)).toBe(0); // just issued: nowhere near nextUpdate
      await dataSource.query(`UPDATE issuance.crls SET next_update = now() + interval '1 minute' WHERE tenant_id = $1 AND ca_id = $2`, [tenantId, caId]);
      expect(await crls.refreshDue(tenantId)).toBe(1);
      expect(await crls.refreshDue(tenantId)).toBe(0);
    });
  });

  it('cannot use a CA key with another KEK', async () => {
    const original = process.env.SIGNER_CA_KEK;
    process.env.SIGNER_CA_KEK = Buffer.alloc(32, 9).toString('base64');
    try {
      const store = new CaKeyStore(dataSource);
      await expect(store.load(tenantId, caId)).rejects.toBeInstanceOf(CaKeyUnavailableError);
    } finally {
      process.env.SIGNER_CA_KEK = original;
    }
  });
});
