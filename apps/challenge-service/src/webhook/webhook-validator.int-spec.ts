import { testRun } from '../test-env.int';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { ChallengeConfigure } from '@scep/contracts';
import { type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { ChallengeServiceError } from '../challenge-errors';
import { capturedLogs, startChallengeTestApp, verifyRequest } from '../challenge-test-app.int';
import { ChallengeSettingsService } from '../settings/challenge-settings.service';
import { ChallengeVerificationService } from '../verification/challenge-verification.service';

type Behaviour = 'allow' | 'deny' | 'deny-echo' | 'status-500' | 'bad-json' | 'wrong-shape' | 'redirect' | 'hang';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly raw: string;
  readonly body: Record<string, unknown>;
  readonly signatureValid: boolean;
}

/** The customer's webhook: checks the HMAC signature over timestamp.body with the secret it shares with us. */
class TestWebhook {
  readonly received: Received[] = [];
  behaviour: Behaviour = 'allow';
  secret = 'webhook-shared-secret-0001';
  private readonly sockets = new Set<Socket>();
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));

  async start(): Promise<void> {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/scep-webhook`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const timestamp = String(req.headers['x-scep-timestamp'] ?? '');
    const expected = Buffer.from(`sha256=${createHmac('sha256', this.secret).update(`${timestamp}.${raw}`).digest('hex')}`);
    const given = Buffer.from(String(req.headers['x-scep-signature'] ?? ''));
    const signatureValid = given.length === expected.length && timingSafeEqual(given, expected);
    this.received.push({ headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown>, signatureValid });
    if (!signatureValid) return void res.writeHead(401).end('{"error":"bad signature"}');
    const challenge = (JSON.parse(raw) as { challenge?: string }).challenge;
    switch (this.behaviour) {
      case 'allow':
        return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"allow":true}');
      case 'deny':
        return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"allow":false,"reason":"device not in inventory"}');
      case 'deny-echo':
        return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ allow: false, reason: `unknown challenge ${challenge}` }));
      case 'status-500':
        return void res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"allow":true}');
      case 'bad-json':
        return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"allow":tru');
      case 'wrong-shape':
        return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"allow":"yes"}');
      case 'redirect':
        return void res.writeHead(307, { Location: 'http://127.0.0.1:1/elsewhere' }).end();
      case 'hang':
        return; // never answers
    }
  }
}

describe('webhook challenge validator (real PostgreSQL and Redis, a real HTTP webhook)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let dataSource: DataSource;
  let settings: ChallengeSettingsService;
  let verification: ChallengeVerificationService;
  const webhook = new TestWebhook();
  const tenantId = randomUUID();
  let address = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ moduleRef, dataSource } = await startChallengeTestApp(db.url));
    settings = moduleRef.get(ChallengeSettingsService);
    verification = moduleRef.get(ChallengeVerificationService);
    await webhook.start();
  }, 60_000);

  afterAll(async () => {
    await webhook.stop();
    await moduleRef?.close();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  beforeEach(() => {
    webhook.behaviour = 'allow';
    webhook.received.length = 0;
  });

  const webhookProfile = async (timeoutMs = 2000, url = webhook.url) => {
    const profileId = randomUUID();
    await settings.configure(ChallengeConfigure.request.parse({ tenantId, profileId, mode: 'webhook', webhook: { url, secret: webhook.secret, timeoutMs } }));
    return profileId;
  };
  const verify = (profileId: string, overrides: Parameters<typeof verifyRequest>[2] = {}) =>
    verification.verify(verifyRequest(tenantId, profileId, { clientAddress: `203.0.113.${++address}`, ...overrides }));

  it('refuses webhook mode without settings, and URLs that would send secrets in clear', async () => {
    const profileId = randomUUID();
    await expect(settings.configure(ChallengeConfigure.request.parse({ tenantId, profileId, mode: 'webhook' }))).rejects.toMatchObject({
      code: 'WEBHOOK_SETTINGS_REQUIRED',
    });
    await expect(
      settings.configure(ChallengeConfigure.request.parse({ tenantId, profileId, mode: 'webhook', webhook: { url: 'http://hooks.example.com/x', secret: webhook.secret } })),
    ).rejects.toBeInstanceOf(ChallengeServiceError);
  });

  it('stores the webhook secret wrapped, never in clear', async () => {
    const profileId = await webhookProfile();
    const [row] = await dataSource.query(`SELECT row_to_json(s)::text AS json, webhook_secret_wrapped FROM challenge.profile_settings s WHERE profile_id = $1`, [profileId]);
    expect(row.json).not.toContain(webhook.secret);
    expect(row.json).not.toContain(Buffer.from(webhook.secret).toString('hex'));
    expect(Buffer.from(row.webhook_secret_wrapped).toString('latin1')).not.toContain(webhook.secret);
  });

  it('POSTs the signed CSR facts and accepts when the webhook allows', async () => {
    const profileId = await webhookProfile();
    const request = verifyRequest(tenantId, profileId, {
      challenge: 'device-challenge-1',
      clientAddress: '203.0.113.200',
      csr: { subject: 'CN=router-9', subjectAltNames: [{ type: 'dns', value: 'router-9.example.net' }], keyAlgorithm: 'rsa', keySize: 3072 },
    });
    expect(await verification.verify(request)).toEqual({ decision: 'accept' });
    expect(webhook.received).toHaveLength(1);
    const [call] = webhook.received;
    expect(call?.signatureValid).toBe(true);
    expect(call?.headers['content-type']).toBe('application/json');
    expect(Math.abs(Number(call?.headers['x-scep-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(call?.headers['x-scep-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(call?.body).toEqual({
      tenantId,
      profileId,
      transactionId: request.transactionId,
      messageType: 19,
      subject: 'CN=router-9',
      subjectAltNames: [{ type: 'dns', value: 'router-9.example.net' }],
      keyAlgorithm: 'rsa',
      keySize: 3072,
      clientAddress: '203.0.113.200',
      challenge: 'device-challenge-1',
      csr: request.csrDer,
    });
  });

  it('rejects with webhook-denied when the webhook says no, and never logs the challenge it echoes', async () => {
    const profileId = await webhookProfile();
    webhook.behaviour = 'deny';
    expect(await verify(profileId, { challenge: 'challenge-value-denied-1' })).toEqual({ decision: 'reject', reason: 'webhook-denied' });
    expect(capturedLogs.matching('device not in inventory')).toHaveLength(1);
    webhook.behaviour = 'deny-echo';
    expect(await verify(profileId, { challenge: 'challenge-value-echoed-2' })).toEqual({ decision: 'reject', reason: 'webhook-denied' });
    expect(capturedLogs.matching('challenge-value-echoed-2')).toEqual([]);
  });

  it.each<[Behaviour, string]>([
    ['status-500', 'a non-2xx status'],
    ['bad-json', 'an unreadable answer'],
    ['wrong-shape', 'an answer outside the contract'],
    ['redirect', 'a redirect (never followed)'],
  ])('rejects with webhook-error on %s (%s)', async (behaviour) => {
    const profileId = await webhookProfile();
    webhook.behaviour = behaviour;
    expect(await verify(profileId, { challenge: 'whatever-1' })).toEqual({ decision: 'reject', reason: 'webhook-error' });
    expect(webhook.received).toHaveLength(1);
  });

  it('rejects with webhook-error when the webhook does not answer within its timeout (never a hang)', async () => {
    const profileId = await webhookProfile(200);
    webhook.behaviour = 'hang';
    const started = Date.now();
    expect(await verify(profileId, { challenge: 'whatever-2' })).toEqual({ decision: 'reject', reason: 'webhook-error' });
    // Bounded by timeoutMs (200 ms), not by the socket: well under the test's own timeout.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(webhook.received).toHaveLength(1);
  }, 10_000);

  it('rejects with webhook-error when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const profileId = await webhookProfile(1000, `http://127.0.0.1:${port}/gone`);
    expect(await verify(profileId, { challenge: 'whatever-3' })).toEqual({ decision: 'reject', reason: 'webhook-error' });
  });

  it('signs with the new secret after the settings change (the webhook refuses the old signature)', async () => {
    const profileId = await webhookProfile();
    expect(await verify(profileId, { challenge: 'rotate-1' })).toEqual({ decision: 'accept' });
    webhook.secret = 'webhook-shared-secret-0002';
    expect(await verify(profileId, { challenge: 'rotate-2' })).toEqual({ decision: 'reject', reason: 'webhook-error' }); // old key: 401
    await settings.configure(ChallengeConfigure.request.parse({ tenantId, profileId, mode: 'webhook', webhook: { url: webhook.url, secret: webhook.secret } }));
    expect(await verify(profileId, { challenge: 'rotate-3' })).toEqual({ decision: 'accept' });
    expect(capturedLogs.matching(/webhook-shared-secret/)).toEqual([]);
    webhook.secret = 'webhook-shared-secret-0001';
  });
});
