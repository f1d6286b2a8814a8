import { testApprovalSecret } from '../test-env.int';
import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CaKeyStore } from '@scep/ca-keystore';
import { KeyWrapAad, type SigningApproval } from '@scep/contracts';
import { SqlClient, databaseRootModule } from '@scep/persistence-core';
import {
  CertificateAuthorityRepository,
  CertificateRevocationRepository,
  CrlRepository,
  IssuedCertificateRepository,
  OcspResponderRepository,
  issuanceEntities,
} from '@scep/persistence-issuance';
import { derToPem, encodeDistinguishedName, importPrivateKeyPkcs8, readCertificate, unwrapSecret } from '@scep/pki';
import { deriveOcspResponderWrapKey, ocspResponderWrapKeyId } from '@scep/signing-approval';
import { type TestDatabase, createTestDatabase } from '@scep/testing';
import { CaSigner } from '../ca-signing/ca-signer';
import { CrlIssuer } from '../crl/crl-issuer.service';
import { CaGenerator } from '../key-management/ca-generator.service';
import { OcspResponderIssuer } from '../ocsp/ocsp-responder-issuer.service';
import { CertificateIssuer } from '../signing/certificate-issuer.service';
import { IssuingCaCache } from '../signing/issuing-ca.cache';
import { CertificateRevoker } from './certificate-revoker.service';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'revocation-int-'));
function openssl(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('openssl', args, { cwd: work, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

describe('revocation in the signer (real PostgreSQL, real keys, openssl as the check)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let dataSource: DataSource;
  let revoker: CertificateRevoker;
  const tenantId = randomUUID();
  const otherTenantId = randomUUID();
  const caId = randomUUID();
  const profileId = randomUUID();
  const actor = 'api-key:0123456789abcdef';

  /** Issues a certificate for a fresh key through the real issuer (an approval as the policy service makes it). */
  const issue = async (cn: string, options: { profile?: string; tenant?: string; ca?: string } = {}) => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const subject = encodeDistinguishedName(`CN=${cn},O=Acme`);
    const approval: SigningApproval = {
      version: 1,
      tenantId: options.tenant ?? tenantId,
      profileId: options.profile ?? profileId,
      caId: options.ca ?? caId,
      enrollmentId: randomUUID(),
      plan: { subject: `CN=${cn},O=Acme`, subjectAltNames: [], keyUsage: ['digitalSignature'], extendedKeyUsage: [], validityDays: 30 },
      der: { subject: subject.toString('base64'), subjectPublicKeyInfo: keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') },
      approvedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    return moduleRef.get(CertificateIssuer).issue(approval);
  };
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => dataSource.query(text, params) as Promise<T[]>;
  const currentCrl = async (ca = caId) =>
    (await sql<{ n: string; crl_der: Buffer; generation: string }>(`SELECT crl_number::text AS n, crl_der, revocation_generation::text AS generation FROM issuance.crls WHERE ca_id = $1 ORDER BY crl_number DESC LIMIT 1`, [ca]))[0]!;
  const crlText = (der: Buffer) => {
    fs.writeFileSync(path.join(work, 'current.crl'), der);
    return openssl(['crl', '-inform', 'DER', '-in', 'current.crl', '-CAfile', 'ca.pem', '-noout', '-text']).out;
  };
  const generation = async () => (await sql<{ g: string }>(`SELECT revocation_generation::text AS g FROM issuance.certificate_authorities WHERE id = $1`, [caId]))[0]!.g;

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    moduleRef = await Test.createTestingModule({
      imports: [databaseRootModule('signer-revocation-test', issuanceEntities)],
      providers: [
        SqlClient,
        CertificateAuthorityRepository,
        IssuedCertificateRepository,
        CrlRepository,
        CertificateRevocationRepository,
        OcspResponderRepository,
        CaKeyStore,
        IssuingCaCache,
        CaSigner,
        CrlIssuer,
        OcspResponderIssuer,
        CaGenerator,
        CertificateIssuer,
        CertificateRevoker,
      ],
    }).compile();
    await moduleRef.init();
    dataSource = moduleRef.get(getDataSourceToken());
    revoker = moduleRef.get(CertificateRevoker);
    const ca = await moduleRef.get(CaGenerator).generate({ tenantId, caId, name: 'root', subjectDn: 'CN=Revocation Test CA,O=Acme', keySize: 2048, validityDays: 365 });
    fs.writeFileSync(path.join(work, 'ca.pem'), derToPem(Buffer.from(ca.certificateDer, 'base64'), 'CERTIFICATE'));
  }, 120_000);

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  describe('OCSP responder certificates', () => {
    it('gives a new CA a delegated responder: OCSP signing only, no-check, short-lived, its key wrapped for the policy service', async () => {
      const [row] = await sql<{ id: string; certificate_der: Buffer; wrapped_key: Buffer; kek_id: string; not_after: Date }>(
        `SELECT id, certificate_der, wrapped_key, kek_id, not_after FROM issuance.ocsp_responders WHERE ca_id = $1`,
        [caId],
      );
      expect(row).toBeDefined();
      fs.writeFileSync(path.join(work, 'responder.pem'), derToPem(row!.certificate_der, 'CERTIFICATE'));
      expect(openssl(['verify', '-CAfile', 'ca.pem', '-purpose', 'ocsphelper', 'responder.pem']).out).toContain('OK');
      const text = openssl(['x509', '-in', 'responder.pem', '-noout', '-text']).out;
      expect(text).toMatch(/Extended Key Usage:\s+OCSP Signing\n/);
      expect(text).toContain('OCSP No Check');
      expect(text).toMatch(/CA:FALSE/);
      expect(text).not.toContain('Authority Information Access');
      const days = (row!.not_after.getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(6.9);
      expect(days).toBeLessThanOrEqual(7);
      expect(row!.kek_id).toBe(ocspResponderWrapKeyId(deriveOcspResponderWrapKey(testApprovalSecret)));
      const key = importPrivateKeyPkcs8(unwrapSecret(deriveOcspResponderWrapKey(testApprovalSecret), row!.wrapped_key, KeyWrapAad.ocspResponderKey(tenantId, row!.id)));
      expect(createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(readCertificate(row!.certificate_der).spkiDer)).toBe(true);
      expect(() => unwrapSecret(deriveOcspResponderWrapKey(testApprovalSecret), row!.wrapped_key, KeyWrapAad.ocspResponderKey(otherTenantId, row!.id))).toThrow();
    });

    it('issues a new responder only when the newest is past half its validity', async () => {
      const issuer = moduleRef.get(OcspResponderIssuer);
      expect(await issuer.refreshDue(tenantId)).toBe(0);
      await sql(`UPDATE issuance.ocsp_responders SET not_after = now() + interval '2 days' WHERE ca_id = $1`, [caId]);
      expect(await issuer.refreshDue(tenantId)).toBe(1);
      expect(await issuer.refreshDue(tenantId)).toBe(0);
      // Responders wrapped under another approval secret (it was changed) do not count: every CA gets a new one.
      await sql(`UPDATE issuance.ocsp_responders SET kek_id = 'approval-derived-v1-000000000000' WHERE ca_id = $1`, [caId]);
      expect(await issuer.refreshDue(tenantId)).toBe(1);
      expect(await issuer.refreshDue(tenantId)).toBe(0);
    }, 30_000);
  });

  describe('revoking', () => {
    it('revokes by serial with reason, who and why, and the next CRL lists it at once (openssl crl -verify)', async () => {
      const cert = await issue('revoke-me');
      const before = await currentCrl();
      const generationBefore = await generation();
      const result = await revoker.revoke({ tenantId, selector: { kind: 'serial', serialHex: cert.serialHex }, reasonCode: 1, comment: 'laptop stolen', actor });
      expect(result).toMatchObject({ result: 'revoked', certificates: [{ serialHex: cert.serialHex, caId, reasonCode: 1, changed: true }] });
      const after = await currentCrl();
      expect(BigInt(after.n)).toBe(BigInt(before.n) + 1n);
      expect(result).toMatchObject({ crls: [{ caId, crlNumber: after.n }] });
      expect(BigInt(await generation())).toBe(BigInt(generationBefore) + 1n);
      expect(after.generation).toBe(await generation());
      const text = crlText(after.crl_der);
      expect(text).toContain('verify OK');
      expect(text).toContain(`Serial Number: ${cert.serialHex}`);
      expect(text).toContain('Key Compromise');
      const [row] = await sql(`SELECT revoked_by, revocation_comment, revocation_reason FROM issuance.certificates WHERE serial_hex = $1`, [cert.serialHex]);
      expect(row).toEqual({ revoked_by: actor, revocation_comment: 'laptop stolen', revocation_reason: 1 });
    });

    it('answers a retry unchanged, refuses to change a permanent revocation, and finds nothing of another tenant', async () => {
      const cert = await issue('revoke-twice');
      await revoker.revoke({ tenantId, selector: { kind: 'serial', serialHex: cert.serialHex }, reasonCode: 5, actor });
      const crl = await currentCrl();
      expect(await revoker.revoke({ tenantId, selector: { kind: 'serial', serialHex: cert.serialHex }, reasonCode: 5, actor })).toMatchObject({
        result: 'revoked',
        certificates: [{ changed: false, reasonCode: 5 }],
        crls: [],
      });
      expect((await currentCrl()).n).toBe(crl.n);
      expect(await revoker.revoke({ tenantId, selector: { kind: 'serial', serialHex: cert.serialHex }, reasonCode: 1, actor })).toMatchObject({
        result: 'already-revoked',
        certificates: [{ serialHex: cert.serialHex, reasonCode: 5 }],
      });
      expect(await revoker.revoke({ tenantId, selector: { kind: 'serial', serialHex: cert.serialHex }, reasonCode: 6, actor })).toMatchObject({ result: 'already-revoked' });
      expect(await revoker.revoke({ tenantId: otherTenantId, selector: { kind: 'serial', serialHex: cert.serialHex }, reasonCode: 1, actor })).toEqual({ result: 'not-found' });
      expect(await revoker.revoke({ tenantId, selector: { kind: 'serial', serialHex: '7F0000000000000000000000000000AB' }, reasonCode: 1, actor })).toEqual({ result: 'not-found' });
      expect(await revoker.release({ tenantId, serialHex: cert.serialHex, actor })).toEqual({ result: 'not-on-hold', reasonCode: 5 });
    });

    it('puts a certificate on hold, releases it (the next CRL drops it), and can make a hold permanent', async () => {
      const cert = await issue('on-hold');
      expect(await revoker.revoke({ tenantId, selector: { kind: 'serial', serialHex: cert.serialHex }, reasonCode: 6, actor })).toMatchObject({ result: 'revoked' });
      expect(crlText((await currentCrl()).crl_der)).toMatch(new RegExp(`Serial Number: ${cert.serialHex}\\s+Revocation Date: [^\\n]+\\n\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Certificate Hold`));
      const released = await revoker.release({ tenantId, serialHex: cert.serialHex, actor: 'api-key:fedcba9876543210' });
      expect(released).toMatchObject({ result: 'released', serialHex: cert.serialHex, caId });
      expect(crlText((await currentCrl()).crl_der)).not.toContain(cert.serialHex);
      const [row] = await sql(`SELECT revoked_at, revocation_reason, hold_released_by FROM issuance.certificates WHERE serial_hex = $1`, [cert.serialHex]);
      expect(row).toMatchObject({ revoked_at: null, revocation_reason: null, hold_released_by: 'api-key:fedcba9876543210' });
      expect(await revoker.release({ tenantId, serialHex: cert.serialHex, actor })).toEqual({ result: 'not-on-hold', reasonCode: null });
      await revoker.revoke({ tenantId, selector: { kind: 'serial', serialHex: cert.serialHex }, reasonCode: 6, actor });
      expect(await revoker.revoke({ tenantId, selector: { kind: 'serial', serialHex: cert.serialHex }, reasonCode: 4, actor })).toMatchObject({
        result: 'revoked',
        certificates: [{ changed: true, reasonCode: 4 }],
      });
      expect(crlText((await currentCrl()).crl_der)).toMatch(new RegExp(`Serial Number: ${cert.serialHex}[\\s\\S]{0,200}Superseded`));
    });

    it('revokes the certificates of enrollments', async () => {
      const a = await issue('by-enrollment-a');
      const b = await issue('by-enrollment-b');
      const result = await revoker.revoke({ tenantId, selector: { kind: 'enrollments', enrollmentIds: [a.enrollmentId, b.enrollmentId, randomUUID()] }, reasonCode: 3, actor });
      expect(result.result === 'revoked' && result.certificates.map((c) => c.serialHex).sort()).toEqual([a.serialHex, b.serialHex].sort());
    });

    it('revokes in bulk only when the count is the one the dry run showed: all or nothing', async () => {
      const bulkProfile = randomUUID();
      const certs = await Promise.all(['fleet-1', 'fleet-2', 'fleet-3'].map((cn) => issue(cn, { profile: bulkProfile })));
      await issue('fleet-other-profile');
      const selector = { kind: 'bulk' as const, profileId: bulkProfile, subjectContains: 'fleet-' };
      const generationBefore = await generation();
      expect(await revoker.revoke({ tenantId, selector: { ...selector, expectedCount: 2 }, reasonCode: 5, actor })).toEqual({ result: 'count-changed', matched: 3 });
      expect(await generation()).toBe(generationBefore);
      expect((await sql(`SELECT count(*)::int AS n FROM issuance.certificates WHERE profile_id = $1 AND revoked_at IS NOT NULL`, [bulkProfile]))[0]).toEqual({ n: 0 });
      const done = await revoker.revoke({ tenantId, selector: { ...selector, expectedCount: 3 }, reasonCode: 5, comment: 'fleet retired', actor });
      expect(done.result === 'revoked' && done.certificates.map((c) => c.serialHex).sort()).toEqual(certs.map((c) => c.serialHex).sort());
      const text = crlText((await currentCrl()).crl_der);
      for (const cert of certs) expect(text).toContain(`Serial Number: ${cert.serialHex}`);
      // Already revoked ones are no longer selected: the same bulk request now matches nothing.
      expect(await revoker.revoke({ tenantId, selector: { ...selector, expectedCount: 3 }, reasonCode: 5, actor })).toEqual({ result: 'count-changed', matched: 0 });
    });
  });

  describe('CRL schedule', () => {
    it('issues a CRL at once for a CA whose last revocation is newer than its CRL', async () => {
      const crls = moduleRef.get(CrlIssuer);
      expect(await crls.refreshDue(tenantId)).toBe(0);
      await sql(`UPDATE issuance.certificate_authorities SET revocation_generation = revocation_generation + 1 WHERE id = $1`, [caId]);
      expect(await crls.refreshDue(tenantId)).toBe(1);
      expect(await crls.refreshDue(tenantId)).toBe(0);
    });
  });
});
