import { testApprovalSecret, testKeks } from '../test-env.int';
import { spawnSync } from 'node:child_process';
import { createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { Job } from 'bullmq';
import { CaKeyStore, CaKeyUnavailableError } from '@scep/ca-keystore';
import { KeyWrapAad, type SigningApproval, type SigningOutcome } from '@scep/contracts';
import { SqlClient, databaseRootModule } from '@scep/persistence-core';
import {
  CaKeyEntity,
  CertificateAuthorityRepository,
  CrlRepository,
  IssuedCertificateRepository,
  OcspResponderRepository,
  RaCredentialEntity,
  RaCredentialRepository,
  issuanceEntities,
} from '@scep/persistence-issuance';
import { derToPem, importPrivateKeyPkcs8, parseCsr, readCertificate, unwrapSecret } from '@scep/pki';
import { deriveApprovalKeys, signApproval } from '@scep/signing-approval';
import { ServiceMetrics } from '@scep/telemetry';
import { type TestDatabase, createTestDatabase } from '@scep/testing';
import { CaSigner } from '../ca-signing/ca-signer';
import { CrlIssuer } from '../crl/crl-issuer.service';
import { OcspResponderIssuer } from '../ocsp/ocsp-responder-issuer.service';
import { CaGenerator } from '../key-management/ca-generator.service';
import { RaIssuer } from '../key-management/ra-issuer.service';
import { ApprovalCheck } from './approval-check';
import { CertificateIssuer } from './certificate-issuer.service';
import { IssuingCaCache } from './issuing-ca.cache';
import { SignCertificateProcessor } from './sign-certificate.processor';
import { SigningOutcomePublisher } from './signing-outcome.publisher';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'signer-int-'));
function openssl(args: string[], options: { input?: string; allowFailure?: boolean } = {}): string {
  const r = spawnSync('openssl', args, { cwd: work, encoding: 'utf8', input: options.input });
  if (r.status !== 0 && !options.allowFailure) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
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
  const published: Array<{ replyTo: string; outcome: SigningOutcome }> = [];
  const policyKeys = deriveApprovalKeys(testApprovalSecret);

  /** What the policy service would approve for a CSR: its subject, key and SANs as DER, the plan's KU/EKU/validity. */
  const approvalFor = (csrDer: Buffer, overrides: Partial<SigningApproval> = {}, plan: Partial<SigningApproval['plan']> = {}): SigningApproval => {
    const csr = parseCsr(csrDer);
    return {
      version: 1,
      tenantId,
      profileId: randomUUID(),
      caId,
      enrollmentId: randomUUID(),
      plan: {
        subject: csr.subject,
        subjectAltNames: csr.subjectAltNames.map((san) => ({ type: san.type, value: san.type === 'other' ? String(san.tag) : san.value })),
        keyUsage: ['digitalSignature', 'keyEncipherment'],
        extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'],
        validityDays: 30,
        ...plan,
      },
      der: {
        subject: csr.subjectDer.toString('base64'),
        subjectPublicKeyInfo: csr.spkiDer.toString('base64'),
        ...(csr.subjectAltNameDer ? { subjectAltName: csr.subjectAltNameDer.toString('base64') } : {}),
      },
      approvedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      ...overrides,
    };
  };
  /** The job the signer consumes, MAC'd with the key policy shares with the signer (unless a test forges it). */
  const jobOf = (approval: SigningApproval, mac = signApproval(policyKeys, approval)) =>
    ({ id: `job-${randomUUID()}`, name: 'sign-certificate', data: { approval, mac, replyTo: 'test.policy.signing-outcome.r1' }, attemptsMade: 0, opts: { attempts: 8 } }) as unknown as Job;

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    moduleRef = await Test.createTestingModule({
      imports: [databaseRootModule('signer-test', issuanceEntities)],
      providers: [
        SqlClient,
        CertificateAuthorityRepository,
        IssuedCertificateRepository,
        RaCredentialRepository,
        CrlRepository,
        OcspResponderRepository,
        CaKeyStore,
        IssuingCaCache,
        CaSigner,
        OcspResponderIssuer,
        CertificateIssuer,
        CrlIssuer,
        CaGenerator,
        RaIssuer,
        ServiceMetrics,
        ApprovalCheck,
        { provide: SigningOutcomePublisher, useValue: { publish: async (replyTo: string, outcome: SigningOutcome) => void published.push({ replyTo, outcome }) } },
        SignCertificateProcessor,
      ],
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
    it('is an end-entity certificate with digitalSignature + keyEncipherment, limited to RA use (id-kp-cmcRA), its key wrapped under the RA KEK', async () => {
      const raCredentialId = randomUUID();
      const ra = await moduleRef.get(RaIssuer).issue({ tenantId, caId, raCredentialId, subjectDn: 'CN=acme laptops SCEP RA', validityDays: 730 });
      fs.writeFileSync(path.join(work, 'ra.pem'), derToPem(Buffer.from(ra.certificateDer, 'base64'), 'CERTIFICATE'));
      expect(openssl(['verify', '-CAfile', 'ca.pem', 'ra.pem'])).toContain('OK');
      const text = openssl(['x509', '-in', 'ra.pem', '-noout', '-text']);
      expect(text).toMatch(/CA:FALSE/);
      expect(text).toMatch(/Digital Signature, Key Encipherment/);
      expect(text).not.toMatch(/Certificate Sign/);
      // One extended key usage, RA only: OpenSSL names id-kp-cmcRA "CMC Registration Authority".
      expect(text).toMatch(/X509v3 Extended Key Usage: *\n *CMC Registration Authority\n/);
      // And OpenSSL's purpose checks refuse it for what it is not for.
      expect(openssl(['verify', '-CAfile', 'ca.pem', '-purpose', 'sslserver', 'ra.pem'], { allowFailure: true })).toMatch(/unsuitable certificate purpose/);
      expect(openssl(['verify', '-CAfile', 'ca.pem', '-purpose', 'sslclient', 'ra.pem'], { allowFailure: true })).toMatch(/unsuitable certificate purpose/);
      const row = await dataSource.getRepository(RaCredentialEntity).findOneByOrFail({ tenantId, id: raCredentialId });
      const raKey = importPrivateKeyPkcs8(unwrapSecret(testKeks.ra, row.wrappedKey, KeyWrapAad.raKey(tenantId, raCredentialId)));
      expect(readCertificate(row.certificateDer).publicKey.export({ type: 'spki', format: 'der' })).toEqual(
        createPublicKey(raKey).export({ type: 'spki', format: 'der' }),
      );
      expect(() => unwrapSecret(testKeks.ca, row.wrappedKey, KeyWrapAad.raKey(tenantId, raCredentialId))).toThrow();
    });
  });

  describe('certificate issuance', () => {
    const sign = (approval: SigningApproval) => moduleRef.get(CertificateIssuer).issue(approval);

    it('issues exactly the approved plan: subject and SAN as approved, KU/EKU/validity from the plan, never what a CSR asks for', async () => {
      const issued = await sign(approvalFor(greedyCsr()));
      fs.writeFileSync(path.join(work, 'leaf.pem'), derToPem(issued.certificateDer, 'CERTIFICATE'));
      expect(openssl(['verify', '-CAfile', 'ca.pem', 'leaf.pem'])).toContain('OK');
      const text = openssl(['x509', '-in', 'leaf.pem', '-noout', '-text']);
      expect(text).toMatch(/Subject: CN ?= ?greedy-device, O ?= ?Acme/);
      expect(text).toMatch(/CA:FALSE/);
      expect(text).not.toMatch(/CA:TRUE|Certificate Sign|CRL Sign|Code Signing|OCSP Signing|Name Constraints|pathlen/);
      expect(text).toMatch(/Digital Signature, Key Encipherment/);
      expect(text).toContain('TLS Web Client Authentication');
      expect(text).toMatch(/DNS:greedy\.example\.com, IP Address:10\.1\.2\.3/);
      expect(text).toContain(`URI:http://scep.example.test:8080/crl/${tenantId}/${caId}.crl`);
      // The deployment's OCSP responder for the CA (SIGNER_OCSP_BASE_URL unset: the CRL's base URL).
      expect(text).toContain(`OCSP - URI:http://scep.example.test:8080/ocsp/${tenantId}/${caId}`);
      const leaf = readCertificate(issued.certificateDer);
      expect(leaf.serialHex).toBe(issued.serialHex);
      expect(leaf.serialNumber.length).toBe(16);
      const days = (leaf.notAfter.getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThanOrEqual(30);
    });

    it("writes the profile's own OCSP URL, or none, when the approved plan says so", async () => {
      const own = await sign(approvalFor(greedyCsr(), {}, { ocspUrl: 'http://ocsp.acme.test/responder' }));
      fs.writeFileSync(path.join(work, 'own-ocsp.pem'), derToPem(own.certificateDer, 'CERTIFICATE'));
      expect(openssl(['x509', '-in', 'own-ocsp.pem', '-noout', '-ocsp_uri']).trim()).toBe('http://ocsp.acme.test/responder');
      const none = await sign(approvalFor(greedyCsr(), {}, { ocspUrl: 'none' }));
      fs.writeFileSync(path.join(work, 'no-ocsp.pem'), derToPem(none.certificateDer, 'CERTIFICATE'));
      expect(openssl(['x509', '-in', 'no-ocsp.pem', '-noout', '-text'])).not.toContain('Authority Information Access');
    });

    it('never outlives its CA', async () => {
      const issued = await sign(approvalFor(greedyCsr(), {}, { validityDays: 3650 }));
      const ca = readCertificate(Buffer.from(caPem.split('\n').slice(1, -2).join(''), 'base64'));
      expect(issued.notAfter.getTime()).toBeLessThanOrEqual(ca.notAfter.getTime());
    });

    it('returns the same certificate for a retried or concurrent job of one enrollment', async () => {
      const approval = approvalFor(greedyCsr());
      const results = await Promise.all(Array.from({ length: 5 }, () => sign(approval)));
      expect(new Set(results.map((r) => r.serialHex)).size).toBe(1);
      expect((await sign(approval)).serialHex).toBe(results[0]?.serialHex);
      const { n } = (await dataSource.query(`SELECT count(*)::int AS n FROM issuance.certificates WHERE enrollment_id = $1`, [approval.enrollmentId]))[0];
      expect(n).toBe(1);
    });

    it('fails permanently for a CA that is not the tenant\'s (an approval cannot cross tenants)', async () => {
      await expect(sign(approvalFor(greedyCsr(), { caId: randomUUID() }))).rejects.toThrow('ca-not-found');
      await expect(sign(approvalFor(greedyCsr(), { tenantId: randomUUID() }))).rejects.toThrow('ca-not-found');
    });
  });

  describe('signing jobs: only what the policy service approved is signed', () => {
    const certificatesOf = async (enrollmentId: string) =>
      (await dataSource.query(`SELECT count(*)::int AS n FROM issuance.certificates WHERE enrollment_id = $1`, [enrollmentId]))[0].n as number;
    const refusedCount = async (reason: string) => {
      const text = await moduleRef.get(ServiceMetrics).registry.metrics();
      const line = text.split('\n').find((l) => l.startsWith(`scep_signer_jobs_refused_total{reason="${reason}"}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };

    it('signs an authentic job and reports the outcome, MAC\'d, to the replica the job names', async () => {
      published.length = 0;
      const approval = approvalFor(greedyCsr());
      await expect(moduleRef.get(SignCertificateProcessor).process(jobOf(approval))).resolves.toMatchObject({ serialHex: expect.any(String) });
      expect(await certificatesOf(approval.enrollmentId)).toBe(1);
      expect(published).toHaveLength(1);
      expect(published[0]).toMatchObject({ replyTo: 'test.policy.signing-outcome.r1', outcome: { kind: 'issued', enrollmentId: approval.enrollmentId, tenantId } });
    });

    // The attack of the review: anyone with Redis access adds a job for any subject, SANs, EKUs and validity.
    it.each<[string, () => Job]>([
      ['a job with no valid MAC (added by a plain BullMQ client)', () => jobOf(approvalFor(greedyCsr(), {}, { subject: 'CN=evil.example.com', extendedKeyUsage: ['1.3.6.1.5.5.7.3.3', '1.3.6.1.5.5.7.3.1'], validityDays: 3650 }), 'A'.repeat(43) + '=')],
      ['a MAC made with another key', () => { const a = approvalFor(greedyCsr()); return jobOf(a, signApproval(deriveApprovalKeys(randomBytes(32)), a)); }],
      ['an approved plan altered afterwards (EKU codeSigning added)', () => { const a = approvalFor(greedyCsr()); const mac = signApproval(policyKeys, a); return jobOf({ ...a, plan: { ...a.plan, extendedKeyUsage: [...a.plan.extendedKeyUsage, '1.3.6.1.5.5.7.3.3'] } }, mac); }],
      ['an approved plan replayed under another enrollment', () => { const a = approvalFor(greedyCsr()); const mac = signApproval(policyKeys, a); return jobOf({ ...a, enrollmentId: randomUUID() }, mac); }],
      ['an approved plan moved to another tenant', () => { const a = approvalFor(greedyCsr()); const mac = signApproval(policyKeys, a); return jobOf({ ...a, tenantId: randomUUID() }, mac); }],
      ['the DER of the subject swapped for another name', () => { const a = approvalFor(greedyCsr()); const mac = signApproval(policyKeys, a); return jobOf({ ...a, der: { ...a.der, subject: Buffer.from('3016311430120603550403130b6576696c2e6578616d706c65', 'hex').toString('base64') } }, mac); }],
    ])('refuses %s: no certificate, no outcome, counted as forged', async (_case, make) => {
      published.length = 0;
      const job = make();
      const before = await refusedCount('forged');
      await expect(moduleRef.get(SignCertificateProcessor).process(job)).rejects.toBeInstanceOf(UnrecoverableError);
      expect(await certificatesOf((job.data as { approval: SigningApproval }).approval.enrollmentId)).toBe(0);
      expect(await refusedCount('forged')).toBe(before + 1);
      // A forged job must not be able to fail someone else's transaction either: nothing is reported.
      await moduleRef.get(SignCertificateProcessor).onFailed(job, new UnrecoverableError('approval-forged'));
      expect(published).toEqual([]);
    });

    it('refuses an authentic approval past its validity, and tells its (real) owner', async () => {
      published.length = 0;
      const approval = approvalFor(greedyCsr(), { approvedAt: new Date(Date.now() - 2 * 3_600_000).toISOString(), expiresAt: new Date(Date.now() - 3_600_000).toISOString() });
      const job = jobOf(approval);
      const before = await refusedCount('expired');
      await expect(moduleRef.get(SignCertificateProcessor).process(job)).rejects.toThrow('approval-expired');
      expect(await certificatesOf(approval.enrollmentId)).toBe(0);
      expect(await refusedCount('expired')).toBe(before + 1);
      await moduleRef.get(SignCertificateProcessor).onFailed(job, new UnrecoverableError('approval-expired'));
      expect(published).toEqual([{ replyTo: 'test.policy.signing-outcome.r1', outcome: expect.objectContaining({ kind: 'failed', enrollmentId: approval.enrollmentId, reason: 'approval-expired' }) }]);
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
      const issued = await moduleRef.get(CertificateIssuer).issue(approvalFor(greedyCsr(), {}, { keyUsage: ['digitalSignature'], extendedKeyUsage: [] }));
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
