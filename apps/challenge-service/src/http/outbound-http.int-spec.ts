import { testRun } from '../test-env.int';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TestingModule } from '@nestjs/testing';
import { ChallengeConfigure, ChallengeSetIntuneConnection } from '@scep/contracts';
import { type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { startChallengeTestApp, verifyRequest } from '../challenge-test-app.int';
import { IntuneConnectionService } from '../intune/intune-connection.service';
import { ChallengeMetrics } from '../metrics/challenge-metrics';
import { ChallengeSettingsService } from '../settings/challenge-settings.service';
import { ChallengeVerificationService } from '../verification/challenge-verification.service';
import type { OutboundSettings } from './outbound-http';
import type { OutboundLimits } from './outbound-limiter';
import { OutboundPolicy, parseAllowList } from './outbound-policy';

/** A webhook that allows everything, on a chosen loopback address, recording who asked with which Host header. */
class LoopbackWebhook {
  readonly requests: Array<{ host: string | undefined; localAddress: string | undefined }> = [];
  delayMs = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  constructor(private readonly address: string) {}

  async start(): Promise<void> {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, this.address, resolve));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ host: req.headers.host, localAddress: req.socket.localAddress });
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"allow":true}'), this.delayMs));
  }
}

/**
 * A resolver the test controls: answers per host name from a script, in order (the last answer repeats), and counts
 * every question. The system resolver is never asked, so nothing here depends on the machine's DNS.
 */
class ScriptedResolver {
  readonly asked: string[] = [];
  private readonly answers = new Map<string, string[][]>();

  answer(host: string, ...answers: string[][]): void {
    this.answers.set(host, answers);
  }

  readonly resolve = async (host: string): Promise<string[]> => {
    this.asked.push(host);
    const answers = this.answers.get(host);
    if (!answers?.length) throw Object.assign(new Error(`no such host ${host}`), { code: 'ENOTFOUND' });
    return (answers.length > 1 ? answers.shift() : answers[0]) as string[];
  };
}

const generousLimits: OutboundLimits = { perTenantConcurrency: 100, perTenantPerSecond: 1000, globalConcurrency: 100, globalPerSecond: 1000 };

/**
 * The outbound guard inside the real provider graph (PostgreSQL, Redis; webhooks on loopback). The development flag
 * is OFF here: the only loopback address the policy admits is 127.0.0.2, through the platform allow-list.
 */
describe('outbound calls: resolved once, every address checked, connected to the checked address, limited', () => {
  let db: TestDatabase;
  const pinned = new LoopbackWebhook('127.0.0.2');
  const forbidden = new LoopbackWebhook('127.0.0.1');
  const apps: TestingModule[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await pinned.start();
    await forbidden.start();
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) await app.close();
    await pinned.stop();
    await forbidden.stop();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  beforeEach(() => {
    pinned.requests.length = 0;
    forbidden.requests.length = 0;
    pinned.delayMs = 0;
  });

  async function start(resolver: ScriptedResolver, limits: OutboundLimits = generousLimits) {
    const outbound: OutboundSettings = {
      policy: new OutboundPolicy({ allow: parseAllowList('127.0.0.2/32'), allowPrivate: false }),
      limits,
      resolve: resolver.resolve,
    };
    const { moduleRef } = await startChallengeTestApp(db.url, { outbound });
    apps.push(moduleRef);
    const tenantId = randomUUID();
    const settings = moduleRef.get(ChallengeSettingsService);
    const verification = moduleRef.get(ChallengeVerificationService);
    const metrics = moduleRef.get(ChallengeMetrics);
    const webhookProfile = async (url: string, tenant = tenantId) => {
      const profileId = randomUUID();
      await settings.configure(ChallengeConfigure.request.parse({ tenantId: tenant, profileId, mode: 'webhook', webhook: { url, secret: 'outbound-test-secret-01', timeoutMs: 3000 } }));
      return profileId;
    };
    let address = 0;
    const verify = (profileId: string, tenant = tenantId) =>
      verification.verify(verifyRequest(tenant, profileId, { challenge: 'any', clientAddress: `198.51.100.${++address % 250}` }));
    const refusals = async () => {
      const metric = await metrics.registry.getSingleMetric('scep_challenge_outbound_refusals_total')?.get();
      return Object.fromEntries((metric?.values ?? []).map((v) => [`${String(v.labels.purpose)}/${String(v.labels.cause)}`, v.value]));
    };
    return { moduleRef, settings, webhookProfile, verify, refusals };
  }

  it('refuses at call time a host name that resolves to 127.0.0.1, though it resolved to a public address when configured', async () => {
    const resolver = new ScriptedResolver();
    // DNS rebinding: a public address while the URL is checked, loopback when the call is made.
    resolver.answer('rebind.test', ['203.0.113.7'], ['127.0.0.1']);
    const { webhookProfile, verify, refusals } = await start(resolver);
    const profileId = await webhookProfile('https://rebind.test/hook');
    expect(resolver.asked).toEqual(['rebind.test']);
    expect(await verify(profileId)).toEqual({ decision: 'reject', reason: 'webhook-error' });
    expect(resolver.asked).toEqual(['rebind.test', 'rebind.test']);
    expect(forbidden.requests).toEqual([]);
    expect(await refusals()).toEqual({ 'webhook/destination': 1 });
  });

  it('refuses at configure time a name that resolves to loopback now, and localhost itself without the development flag', async () => {
    const resolver = new ScriptedResolver();
    resolver.answer('internal.test', ['127.0.0.1']);
    resolver.answer('localhost', ['127.0.0.1']);
    const { webhookProfile } = await start(resolver);
    await expect(webhookProfile('https://internal.test/hook')).rejects.toMatchObject({
      code: 'WEBHOOK_URL_NOT_ALLOWED',
      field: 'webhook.url',
      message: 'webhook URL refused: the host resolves to a loopback address',
    });
    await expect(webhookProfile(`http://localhost:${forbidden.port}/hook`)).rejects.toMatchObject({ code: 'WEBHOOK_URL_NOT_ALLOWED' });
    await expect(webhookProfile(`http://127.0.0.1:${forbidden.port}/hook`)).rejects.toMatchObject({
      message: 'webhook URL refused: the address is a loopback address',
    });
    await expect(webhookProfile('https://[::ffff:169.254.169.254]/latest')).rejects.toMatchObject({ message: expect.stringMatching(/link-local/) });
    expect(forbidden.requests).toEqual([]);
  });

  it('refuses Intune endpoints off Microsoft hosts when the connection is set, naming the field', async () => {
    const resolver = new ScriptedResolver();
    resolver.answer('login.evil.example', ['203.0.113.9']);
    resolver.answer('graph.microsoft.com', ['127.0.0.1']);
    const { moduleRef } = await start(resolver);
    const connections = moduleRef.get(IntuneConnectionService);
    const connection = (urls: { loginUrl?: string; graphUrl?: string }) =>
      connections.set(ChallengeSetIntuneConnection.request.parse({ tenantId: randomUUID(), azureTenantId: 'contoso', clientId: 'app', clientSecret: 'intune-secret-not-echoed', ...urls }));
    await expect(connection({ loginUrl: 'https://login.evil.example' })).rejects.toMatchObject({
      code: 'INTUNE_URL_NOT_ALLOWED',
      field: 'loginUrl',
      message: 'Intune loginUrl refused: the host is not a Microsoft login host',
    });
    // A Microsoft name is not enough: where it resolves counts too (here, as a rebinding attacker would answer).
    await expect(connection({ graphUrl: 'https://graph.microsoft.com' })).rejects.toMatchObject({
      field: 'graphUrl',
      message: 'Intune graphUrl refused: the host resolves to a loopback address',
    });
    await expect(connection({ loginUrl: `http://127.0.0.1:${forbidden.port}` })).rejects.toMatchObject({ field: 'loginUrl', message: expect.not.stringContaining('secret') });
  });

  it('connects to the address it checked: "localhost" pinned to 127.0.0.2, where nothing listens on 127.0.0.1 or ::1', async () => {
    const resolver = new ScriptedResolver();
    resolver.answer('localhost', ['127.0.0.2']);
    const { webhookProfile, verify } = await start(resolver);
    const profileId = await webhookProfile(`http://localhost:${pinned.port}/hook`);
    resolver.asked.length = 0;
    expect(await verify(profileId)).toEqual({ decision: 'accept' });
    // One question per call, and the request arrived on the pinned address with the URL's host name.
    expect(resolver.asked).toEqual(['localhost']);
    expect(pinned.requests).toEqual([{ host: `localhost:${pinned.port}`, localAddress: '127.0.0.2' }]);
    // A later answer outside the policy is refused, not followed.
    resolver.answer('localhost', ['127.0.0.1']);
    expect(await verify(profileId)).toEqual({ decision: 'reject', reason: 'webhook-error' });
    expect(pinned.requests).toHaveLength(1);
  });

  it('turns calls over the per-tenant concurrency into webhook-error rejections, counted, while other tenants go on', async () => {
    const resolver = new ScriptedResolver();
    const { webhookProfile, verify, refusals } = await start(resolver, { ...generousLimits, perTenantConcurrency: 2 });
    const url = `http://127.0.0.2:${pinned.port}/hook`;
    const profileId = await webhookProfile(url);
    pinned.delayMs = 400;
    const otherTenant = randomUUID();
    const otherProfile = await webhookProfile(url, otherTenant);
    const results = await Promise.all([...Array.from({ length: 5 }, () => verify(profileId)), verify(otherProfile, otherTenant)]);
    expect(results.slice(0, 5).filter((r) => r.decision === 'accept')).toHaveLength(2);
    expect(results.slice(0, 5).filter((r) => r.decision === 'reject' && r.reason === 'webhook-error')).toHaveLength(3);
    expect(results[5]).toEqual({ decision: 'accept' });
    expect(pinned.requests).toHaveLength(3);
    expect(await refusals()).toEqual({ 'webhook/concurrency': 3 });
  });

  it('turns calls over the per-tenant rate into webhook-error rejections, counted', async () => {
    const resolver = new ScriptedResolver();
    const { webhookProfile, verify, refusals } = await start(resolver, { ...generousLimits, perTenantPerSecond: 3 });
    const profileId = await webhookProfile(`http://127.0.0.2:${pinned.port}/hook`);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await verify(profileId));
    expect(results.map((r) => r.decision)).toEqual(['accept', 'accept', 'accept', 'reject', 'reject']);
    expect(results[4]).toEqual({ decision: 'reject', reason: 'webhook-error' });
    expect(pinned.requests).toHaveLength(3);
    expect(await refusals()).toEqual({ 'webhook/rate': 2 });
  });
});
