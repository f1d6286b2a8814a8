import { testRun } from '../test-env.int';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { ChallengeNotifyOutcome, ChallengeSetIntuneConnection, type RpcRequest } from '@scep/contracts';
import { IntuneNotificationRepository } from '@scep/persistence-challenge';
import { buildSelfSignedCaCertificate, encodeDistinguishedName, randomSerial, readCertificate } from '@scep/pki';
import { FAKE_INTUNE_SCOPE, FakeIntune, type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { capturedLogs, eventually, startChallengeTestApp, verifyRequest } from '../challenge-test-app.int';
import { ChallengeSettingsService } from '../settings/challenge-settings.service';
import { ChallengeVerificationService } from '../verification/challenge-verification.service';
import { INTUNE_CALLER_INFO } from './intune-api.client';
import { IntuneConnectionService } from './intune-connection.service';
import { IntuneNotificationOutbox } from './intune-notification.outbox';

const CLIENT_SECRET = 'intune-client-secret-Zq8~not-for-logs';

function issuedCertificate(): Buffer {
  const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return buildSelfSignedCaCertificate({
    subjectDer: encodeDistinguishedName('CN=Acme Issuing CA,O=Acme'),
    keyPair,
    notBefore: new Date(Date.UTC(2026, 0, 1)),
    notAfter: new Date(Date.UTC(2027, 0, 1, 12, 30, 0)),
    digest: 'sha256',
    serial: randomSerial(),
  });
}

describe('Intune validation and notifications (real PostgreSQL, Redis and BullMQ; a fake Intune over HTTP)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let dataSource: DataSource;
  let fake: FakeIntune;
  let settings: ChallengeSettingsService;
  let verification: ChallengeVerificationService;
  let outbox: IntuneNotificationOutbox;
  const tenantId = randomUUID();
  const clientId = randomUUID();
  let address = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ moduleRef, dataSource } = await startChallengeTestApp(db.url));
    settings = moduleRef.get(ChallengeSettingsService);
    verification = moduleRef.get(ChallengeVerificationService);
    outbox = moduleRef.get(IntuneNotificationOutbox);
    fake = await FakeIntune.start({ azureTenantId: 'contoso.onmicrosoft.com', clientId, clientSecret: CLIENT_SECRET });
    await moduleRef.get(IntuneConnectionService).set(connection());
  }, 60_000);

  afterAll(async () => {
    await fake?.stop();
    await moduleRef?.close();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  afterEach(() => {
    expect(fake.violations).toEqual([]);
    fake.answerValidation({ kind: 'code', code: 'Success' });
  });

  function connection(overrides: Partial<RpcRequest<typeof ChallengeSetIntuneConnection>> = {}) {
    return ChallengeSetIntuneConnection.request.parse({
      tenantId,
      azureTenantId: 'contoso.onmicrosoft.com',
      clientId,
      clientSecret: CLIENT_SECRET,
      loginUrl: fake.url,
      graphUrl: `${fake.url}/`,
      ...overrides,
    });
  }

  const intuneProfile = async (tenant = tenantId) => {
    const profileId = randomUUID();
    await settings.configure({ tenantId: tenant, profileId, mode: 'intune', dynamicDefaultTtlSeconds: 3600 });
    return profileId;
  };
  const verify = (profileId: string, overrides: Parameters<typeof verifyRequest>[2] = {}) =>
    verification.verify(verifyRequest(tenantId, profileId, { challenge: 'intune-encrypted-challenge-blob', clientAddress: `192.0.2.${++address}`, ...overrides }));
  const notificationRow = async (transactionId: string, kind = 'success') =>
    (await dataSource.query(`SELECT * FROM challenge.intune_notifications WHERE transaction_id = $1 AND kind = $2`, [transactionId, kind]))[0];

  describe('connection', () => {
    it('stores the client secret wrapped, never in clear', async () => {
      const [row] = await dataSource.query(`SELECT row_to_json(c)::text AS json, client_secret_wrapped FROM challenge.intune_connections c WHERE tenant_id = $1`, [tenantId]);
      expect(row.json).toContain('contoso.onmicrosoft.com');
      expect(row.json).not.toContain(CLIENT_SECRET);
      expect(row.json).not.toContain(Buffer.from(CLIENT_SECRET).toString('hex'));
      expect(Buffer.from(row.client_secret_wrapped).toString('latin1')).not.toContain(CLIENT_SECRET);
    });

    it('refuses login/Graph URLs that would carry the secret in clear', async () => {
      await expect(moduleRef.get(IntuneConnectionService).set(connection({ tenantId: randomUUID(), loginUrl: 'http://login.example.com' }))).rejects.toMatchObject({
        code: 'INTUNE_URL_NOT_ALLOWED',
      });
    });
  });

  describe('validateRequest', () => {
    it('accepts what Intune validates, with the documented request, and reuses its token and endpoint', async () => {
      const profileId = await intuneProfile();
      const tokensBefore = fake.tokenRequests.length;
      const request = verifyRequest(tenantId, profileId, { challenge: 'intune-encrypted-challenge-blob' });
      expect(await verification.verify(request)).toEqual({ decision: 'accept' });
      const [call] = fake.callsOf('validateRequest').slice(-1);
      expect(call?.body).toEqual({ request: { transactionId: request.transactionId, certificateRequest: request.csrDer, callerInfo: INTUNE_CALLER_INFO } });
      expect(call?.headers['api-version']).toBe('2018-02-20');
      expect(call?.headers.authorization).toMatch(/^Bearer /);
      expect(call?.headers['user-agent']).toBe(INTUNE_CALLER_INFO);

      const discoveries = fake.discoveryRequests;
      expect(await verify(profileId)).toEqual({ decision: 'accept' });
      expect(fake.tokenRequests.length).toBeLessThanOrEqual(tokensBefore + 2); // at most one Graph and one Intune token
      expect(fake.tokenRequests).toEqual(expect.arrayContaining([FAKE_INTUNE_SCOPE, `${fake.url}/.default`]));
      expect(fake.discoveryRequests).toBe(discoveries);
    });

    it('refuses (intune-denied) whatever Intune does not call Success, and logs its code', async () => {
      const profileId = await intuneProfile();
      fake.answerValidation({ kind: 'code', code: 'ChallengeExpired' });
      expect(await verify(profileId)).toEqual({ decision: 'reject', reason: 'intune-denied' });
      expect(capturedLogs.matching('ChallengeExpired').length).toBeGreaterThan(0);
      fake.answerValidation({ kind: 'code', code: 'SubjectNameMismatch' });
      expect(await verify(profileId)).toEqual({ decision: 'reject', reason: 'intune-denied' });
    });

    it('refuses (intune-error) when Intune fails or does not answer in time — never accepts, never hangs', async () => {
      const profileId = await intuneProfile();
      fake.answerValidation({ kind: 'status', status: 500 });
      expect(await verify(profileId)).toEqual({ decision: 'reject', reason: 'intune-error' });
      fake.answerValidation({ kind: 'hang' });
      const started = Date.now();
      expect(await verify(profileId)).toEqual({ decision: 'reject', reason: 'intune-error' });
      expect(Date.now() - started).toBeLessThan(5000); // CHALLENGE_INTUNE_TIMEOUT_MS is 1000 in tests
    }, 15_000);

    it('does not call Intune for a request without a challenge, nor for a tenant without a connection', async () => {
      const profileId = await intuneProfile();
      const calls = fake.calls.length;
      expect(await verify(profileId, { challenge: undefined })).toEqual({ decision: 'reject', reason: 'missing' });
      const otherTenant = randomUUID();
      const orphan = await intuneProfile(otherTenant);
      expect(await verification.verify(verifyRequest(otherTenant, orphan, { challenge: 'x-challenge' }))).toEqual({ decision: 'reject', reason: 'not-configured' });
      expect(fake.calls.length).toBe(calls);
    });

    it('refuses (intune-error) when the app registration is refused, without logging the secret', async () => {
      const otherTenant = randomUUID();
      const connections = moduleRef.get(IntuneConnectionService);
      await connections.set(connection({ tenantId: otherTenant, clientSecret: 'a-wrong-client-secret-value' }));
      const profileId = await intuneProfile(otherTenant);
      expect(await verification.verify(verifyRequest(otherTenant, profileId, { challenge: 'x-challenge' }))).toEqual({ decision: 'reject', reason: 'intune-error' });
      expect(capturedLogs.matching('invalid_client').length).toBeGreaterThan(0);
      expect(capturedLogs.matching('a-wrong-client-secret-value')).toEqual([]);
    });
  });

  describe('notifications (durable outbox)', () => {
    const notify = (profileId: string, transactionId: string, outcome: RpcRequest<typeof ChallengeNotifyOutcome>['outcome']) =>
      outbox.record(
        ChallengeNotifyOutcome.request.parse({ tenantId, profileId, transactionId, csrDer: Buffer.from(`csr of ${transactionId}`).toString('base64'), outcome }),
        // The controller passes the cached settings the same way.
        { mode: 'intune', dynamicDefaultTtlSeconds: 3600 },
      );

    it('is not queued for profiles of other modes', async () => {
      const staticProfile = randomUUID();
      expect(
        await outbox.record(
          ChallengeNotifyOutcome.request.parse({ tenantId, profileId: staticProfile, transactionId: 'tx', csrDer: 'AA==', outcome: { kind: 'failed', hResult: 1, description: 'x' } }),
          await settings.get(tenantId, staticProfile),
        ),
      ).toEqual({ queued: false });
    });

    it('delivers a success notification describing the issued certificate, once', async () => {
      const profileId = await intuneProfile();
      const transactionId = `tx-${randomUUID()}`;
      const der = issuedCertificate();
      expect(await notify(profileId, transactionId, { kind: 'issued', certificateDer: der.toString('base64') })).toEqual({ queued: true });
      const row = await eventually(async () => (await notificationRow(transactionId))?.sent_at && notificationRow(transactionId));
      expect(row).toMatchObject({ attempts: 1, last_error: null, kind: 'success' });
      const calls = fake.callsOf('successNotification').filter((c) => (c.body.notification as { transactionId: string }).transactionId === transactionId);
      expect(calls).toHaveLength(1);
      const certificate = readCertificate(der);
      expect(calls[0]?.body).toEqual({
        notification: {
          transactionId,
          certificateRequest: Buffer.from(`csr of ${transactionId}`).toString('base64'),
          certificateThumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
          certificateSerialNumber: certificate.serialHex,
          certificateExpirationDateUtc: '2027-01-01T12:30:00.000Z',
          issuingCertificateAuthority: 'CN=Acme Issuing CA,O=Acme',
          callerInfo: INTUNE_CALLER_INFO,
        },
      });

      // The same outcome again (a retried RPC): nothing new is recorded or sent.
      expect(await notify(profileId, transactionId, { kind: 'issued', certificateDer: der.toString('base64') })).toEqual({ queued: true });
      await new Promise((r) => setTimeout(r, 300));
      expect(Number((await dataSource.query(`SELECT count(*) AS n FROM challenge.intune_notifications WHERE transaction_id = $1`, [transactionId]))[0].n)).toBe(1);
      expect(fake.callsOf('successNotification').filter((c) => (c.body.notification as { transactionId: string }).transactionId === transactionId)).toHaveLength(1);
    });

    it('delivers a failure notification with the HRESULT and description', async () => {
      const profileId = await intuneProfile();
      const transactionId = `tx-${randomUUID()}`;
      // E_FAIL as the policy service sends it (a signed 32-bit HRESULT).
      await notify(profileId, transactionId, { kind: 'failed', hResult: -2147467259, description: 'Policy refused the request' });
      await eventually(async () => (await notificationRow(transactionId, 'failure'))?.sent_at);
      const [call] = fake.callsOf('failureNotification').filter((c) => (c.body.notification as { transactionId: string }).transactionId === transactionId);
      expect(call?.body).toEqual({
        notification: {
          transactionId,
          certificateRequest: Buffer.from(`csr of ${transactionId}`).toString('base64'),
          hResult: -2147467259,
          errorDescription: 'Policy refused the request',
          callerInfo: INTUNE_CALLER_INFO,
        },
      });
    });

    it('gives a blank failure description a text (Intune refuses blank ones)', async () => {
      const profileId = await intuneProfile();
      const transactionId = `tx-${randomUUID()}`;
      await notify(profileId, transactionId, { kind: 'failed', hResult: 1, description: ' ' });
      await eventually(async () => (await notificationRow(transactionId, 'failure'))?.sent_at);
      const [call] = fake.callsOf('failureNotification').filter((c) => (c.body.notification as { transactionId: string }).transactionId === transactionId);
      expect((call?.body.notification as { errorDescription: string }).errorDescription).toBe('The certificate request failed');
    });

    it('retries a delivery that failed (HTTP 500) with backoff until Intune takes it', async () => {
      const profileId = await intuneProfile();
      const transactionId = `tx-${randomUUID()}`;
      fake.answerNextNotifications({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });
      await notify(profileId, transactionId, { kind: 'failed', hResult: 5, description: 'x' });
      const row = await eventually(async () => (await notificationRow(transactionId, 'failure'))?.sent_at && notificationRow(transactionId, 'failure'));
      expect(row).toMatchObject({ attempts: 3, last_error: null });
    });

    it('keeps an undeliverable notification unsent with its attempts and last error', async () => {
      const profileId = await intuneProfile();
      const transactionId = `tx-${randomUUID()}`;
      fake.answerNextNotifications(...Array.from({ length: 4 }, () => ({ kind: 'code' as const, code: 'TransactionNotFound' })));
      await notify(profileId, transactionId, { kind: 'failed', hResult: 5, description: 'x' });
      const row = await eventually(async () => {
        const r = await notificationRow(transactionId, 'failure');
        return r?.attempts === 4 && r.last_error ? r : undefined;
      });
      expect(row).toMatchObject({ sent_at: null, attempts: 4 });
      expect(row.last_error).toContain('TransactionNotFound');
    });

    it('re-enqueues unsent rows on startup (the job was lost with Redis) and delivers them', async () => {
      const profileId = await intuneProfile();
      const transactionId = `tx-${randomUUID()}`;
      // An outbox row whose job never made it to Redis.
      await moduleRef.get(IntuneNotificationRepository).insertOnce({
        id: randomUUID(),
        tenantId,
        profileId,
        transactionId,
        kind: 'failure',
        payload: { transactionId, certificateRequest: 'AAAA', hResult: 7, errorDescription: 'lost job' },
      });
      await new Promise((r) => setTimeout(r, 200));
      expect((await notificationRow(transactionId, 'failure')).sent_at).toBeNull();

      const restarted = await startChallengeTestApp(db.url);
      try {
        const row = await eventually(async () => (await notificationRow(transactionId, 'failure'))?.sent_at);
        expect(row).toBeTruthy();
      } finally {
        await restarted.moduleRef.close();
      }
    });
  });
});
