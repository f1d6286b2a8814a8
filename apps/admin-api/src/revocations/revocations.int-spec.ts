import { bootstrapApiKey, testRun } from '../test-env.int';
import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { type Job, Worker } from 'bullmq';
import type { DataSource } from 'typeorm';
import { Queues, ReleaseCertificateHold, RevokeCertificates } from '@scep/contracts';
import { TEST_REDIS_URL, type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { AdminModule } from '../admin.module';

const silent: LoggerService = { log: () => undefined, error: () => undefined, warn: () => undefined };

/**
 * The admin API's revocation routes against a stand-in signer (a real BullMQ worker on the certificate-revocation
 * queue that records what it was asked and answers like the signer): request validation naming the field, the
 * answers for each signer result, the dry-run count from the real table, tenant isolation. The signer's own behaviour
 * is tested in apps/signer-worker (revocation.int-spec.ts), the whole path end to end in test/e2e.
 */
describe('admin API revocation routes (real PostgreSQL, Redis; stand-in signer)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let signer: Worker;
  let dataSource: DataSource;
  const asked: Array<{ name: string; data: Record<string, unknown> }> = [];
  const auth = { authorization: `Bearer ${bootstrapApiKey}` };
  const tenantSlug = `t-${randomUUID().slice(0, 8)}`;
  const otherSlug = `o-${randomUUID().slice(0, 8)}`;
  let tenantId: string;
  let otherTenantKey: string;
  const caId = randomUUID();
  const profileId = randomUUID();

  const request = async (method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = auth) => {
    const response = await app.inject({ method, url, headers, payload });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  const insertCertificate = (serialHex: string, subject: string, options: { profile?: string; revoked?: boolean } = {}) =>
    dataSource.query(
      `INSERT INTO issuance.certificates (id, tenant_id, ca_id, profile_id, enrollment_id, serial_hex, subject, not_before, not_after, certificate_der, revoked_at, revocation_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() - interval '1 day', now() + interval '30 days', '\\x3000', $8, $9)`,
      [randomUUID(), tenantId, caId, options.profile ?? profileId, randomUUID(), serialHex, subject, options.revoked ? new Date() : null, options.revoked ? 6 : null],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    const moduleRef = await Test.createTestingModule({ imports: [AdminModule] }).setLogger(silent).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, new DocumentBuilder().addBearerAuth().build()), { ui: false, raw: ['json'], jsonDocumentUrl: 'openapi.json' });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    dataSource = moduleRef.get(getDataSourceToken());
    signer = new Worker(
      Queues.certificateRevocation,
      async (job: Job) => {
        asked.push({ name: job.name, data: job.data });
        if (job.name === ReleaseCertificateHold.name) return job.data.serialHex === '0A0A' ? { result: 'not-on-hold', reasonCode: 1 } : { result: 'released', serialHex: job.data.serialHex, caId, crls: [{ caId, crlNumber: '7' }] };
        const selector = job.data.selector as { kind: string; serialHex?: string; expectedCount?: number };
        if (selector.serialHex === '0B0B') return { result: 'already-revoked', certificates: [{ serialHex: '0B0B', caId, revokedAt: '2026-12-01T00:00:00.000Z', reasonCode: 1, changed: false }] };
        if (selector.serialHex === '0C0C') return { result: 'not-found' };
        if (selector.kind === 'bulk' && selector.expectedCount !== 2) return { result: 'count-changed', matched: 2 };
        return { result: 'revoked', certificates: [{ serialHex: selector.serialHex ?? '0D0D', caId, revokedAt: new Date().toISOString(), reasonCode: 1, changed: true }], crls: [{ caId, crlNumber: '8' }] };
      },
      { connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null }, prefix: testRun },
    );
    expect((await request('POST', '/v1/tenants', { slug: tenantSlug, displayName: 'Revocation tests' })).status).toBe(201);
    expect((await request('POST', '/v1/tenants', { slug: otherSlug, displayName: 'Someone else' })).status).toBe(201);
    otherTenantKey = (await request('POST', `/v1/tenants/${otherSlug}/api-keys`, { name: 'other' })).body.key as string;
    [{ id: tenantId }] = await dataSource.query(`SELECT id FROM tenancy.tenants WHERE slug = $1`, [tenantSlug]);
    await dataSource.query(`INSERT INTO tenancy.profiles (id, tenant_id, slug, status, ca_id, ra_credential_id, validity_days, sync_wait_ms) VALUES ($1, $2, 'laptops', 'active', $3, $4, 365, 5000)`, [
      profileId,
      tenantId,
      caId,
      randomUUID(),
    ]);
    await dataSource.query(`INSERT INTO issuance.certificate_authorities (id, tenant_id, name, subject, certificate_der, key_spec, not_before, not_after) VALUES ($1, $2, 'ca', 'CN=ca', '\\x3000', 'rsa-2048', now(), now() + interval '1 year')`, [caId, tenantId]);
    await insertCertificate('0D0D', 'CN=fleet-1,O=Acme');
    await insertCertificate('0E0E', 'CN=fleet-2,O=Acme');
    await insertCertificate('0F0F', 'CN=fleet-3,O=Acme', { revoked: true });
    await insertCertificate('1010', 'CN=elsewhere,O=Acme', { profile: randomUUID() });
  }, 60_000);

  afterAll(async () => {
    await signer?.close();
    await app?.close();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  it('revokes by serial in any of the usual spellings, recording the API key as who', async () => {
    asked.length = 0;
    const answer = await request('POST', `/v1/tenants/${tenantSlug}/certificates/0d:0d/revoke`, { reason: 'keyCompromise', comment: 'laptop stolen' });
    expect(answer).toMatchObject({ status: 200, body: { revoked: 1, changed: 1, certificates: [{ serialNumber: '0D0D', reason: 'keyCompromise', changed: true }], crls: [{ caId, crlNumber: '8' }] } });
    expect(asked).toEqual([
      { name: RevokeCertificates.name, data: { tenantId, selector: { kind: 'serial', serialHex: '0D0D' }, reasonCode: 1, comment: 'laptop stolen', actor: `api-key:${bootstrapApiKey.split('_')[1]}` } },
    ]);
  });

  it.each<[string, string, object, string]>([
    ['an unknown reason', 'certificates/0D0D/revoke', { reason: 'removeFromCRL' }, 'reason'],
    ['a missing reason', 'certificates/0D0D/revoke', {}, 'reason'],
    ['a serial that is not hex', 'certificates/xyz!/revoke', { reason: 'superseded' }, 'serialNumber'],
    ['an unknown field', 'certificates/0D0D/revoke', { reason: 'superseded', reasonCode: 1 }, '(body)'],
    ['a CA id that is not a UUID', 'certificates/0D0D/revoke', { reason: 'superseded', caId: 'ca-1' }, 'caId'],
    ['an enrollment id that is not a UUID', 'enrollments/42/revoke', { reason: 'superseded' }, 'id'],
    ['a bulk request without a selection', 'revocations/bulk', { reason: 'superseded', dryRun: true }, 'profile'],
    ['a bulk revocation without the dry run count', 'revocations/bulk', { reason: 'superseded', profile: 'laptops' }, 'expectedCount'],
  ])('answers 400 naming the field for %s, and asks the signer nothing', async (_case, path, payload, field) => {
    asked.length = 0;
    const answer = await request('POST', `/v1/tenants/${tenantSlug}/${path}`, payload);
    expect(answer.status).toBe(400);
    const fields = [answer.body.field, ...((answer.body.issues as Array<{ field: string }> | undefined) ?? []).map((i) => i.field)];
    expect(fields).toContain(field);
    expect(asked).toEqual([]);
  });

  it('answers 404 for an unknown serial, another tenant, and 409 naming the field for what cannot change', async () => {
    expect(await request('POST', `/v1/tenants/${tenantSlug}/certificates/0C0C/revoke`, { reason: 'superseded' })).toMatchObject({ status: 404, body: { error: 'not_found', field: 'serialNumber' } });
    // A key of another tenant does not even learn that the tenant exists.
    expect(await request('POST', `/v1/tenants/${tenantSlug}/certificates/0D0D/revoke`, { reason: 'superseded' }, { authorization: `Bearer ${otherTenantKey}` })).toMatchObject({
      status: 404,
      body: { field: 'tenant' },
    });
    expect(await request('POST', `/v1/tenants/${tenantSlug}/certificates/0B0B/revoke`, { reason: 'superseded' })).toMatchObject({ status: 409, body: { error: 'conflict', field: 'reason' } });
    expect(await request('POST', `/v1/tenants/${tenantSlug}/certificates/0A0A/release-hold`, {})).toMatchObject({ status: 409, body: { field: 'serialNumber' } });
    expect(await request('POST', `/v1/tenants/${tenantSlug}/certificates/0F0F/release-hold`, {})).toMatchObject({ status: 200, body: { serialNumber: '0F0F', revoked: false } });
  });

  it('counts a bulk selection (dry run, nothing asked of the signer), then revokes only with that count', async () => {
    asked.length = 0;
    const dry = await request('POST', `/v1/tenants/${tenantSlug}/revocations/bulk`, { profile: 'laptops', subjectContains: 'fleet-', reason: 'cessationOfOperation', dryRun: true });
    // fleet-3 is already revoked (on hold) and the other certificate is of another profile.
    expect(dry).toMatchObject({ status: 200, body: { dryRun: true, matched: 2 } });
    expect(asked).toEqual([]);
    expect(await request('POST', `/v1/tenants/${tenantSlug}/revocations/bulk`, { profile: 'laptops', subjectContains: 'fleet-', reason: 'cessationOfOperation', expectedCount: 3 })).toMatchObject({
      status: 409,
      body: { field: 'expectedCount' },
    });
    expect(await request('POST', `/v1/tenants/${tenantSlug}/revocations/bulk`, { profile: 'laptops', subjectContains: 'fleet-', reason: 'cessationOfOperation', expectedCount: 2 })).toMatchObject({ status: 200 });
    expect(asked.at(-1)?.data).toMatchObject({ selector: { kind: 'bulk', profileId, subjectContains: 'fleet-', expectedCount: 2 }, reasonCode: 5 });
    expect(await request('POST', `/v1/tenants/${tenantSlug}/revocations/bulk`, { profile: 'no-such-profile', reason: 'superseded', dryRun: true })).toMatchObject({ status: 404, body: { field: 'profile' } });
  });

  it('shows a certificate with its revocation, and 404 for an unknown serial', async () => {
    await dataSource.query(`UPDATE issuance.certificates SET revoked_at = '2026-12-01T00:00:00Z', revocation_reason = 1, revoked_by = 'api-key:x', revocation_comment = 'why' WHERE serial_hex = '1010'`);
    expect(await request('GET', `/v1/tenants/${tenantSlug}/certificates/1010`)).toMatchObject({
      status: 200,
      body: { serialNumber: '1010', revoked: true, revocation: { reason: 'keyCompromise', revokedBy: 'api-key:x', comment: 'why' } },
    });
    expect(await request('GET', `/v1/tenants/${tenantSlug}/certificates/7F7F`)).toMatchObject({ status: 404, body: { field: 'serialNumber' } });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    for (const path of [
      '/v1/tenants/{tenant}/certificates/{serialNumber}/revoke',
      '/v1/tenants/{tenant}/certificates/{serialNumber}/release-hold',
      '/v1/tenants/{tenant}/enrollments/{id}/revoke',
      '/v1/tenants/{tenant}/revocations/by-transaction',
      '/v1/tenants/{tenant}/revocations/bulk',
    ]) {
      expect(document.paths[path]?.post?.requestBody).toBeDefined();
    }
    expect(JSON.stringify(document.paths['/v1/tenants/{tenant}/certificates/{serialNumber}/revoke'])).toContain('certificateHold');
  });
});
