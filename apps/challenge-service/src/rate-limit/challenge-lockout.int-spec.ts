import { testRun } from '../test-env.int';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestingModule } from '@nestjs/testing';
import Redis from 'ioredis';
import { ChallengeConfigure, type ClientLockedEvent } from '@scep/contracts';
import { OpsHttpServer } from '@scep/telemetry';
import { TEST_REDIS_URL, type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { ClientLockouts, NatsConnection } from '@scep/transport';
import { eventually, startChallengeTestApp, verifyRequest } from '../challenge-test-app.int';
import { ChallengeSettingsService } from '../settings/challenge-settings.service';
import { StaticChallengeService } from '../static-challenge/static-challenge.service';
import { ChallengeVerificationService } from '../verification/challenge-verification.service';

// test-env.int.ts: 3 failures per client and profile (2 when the profile is under attack, i.e. past 6 failures in all),
// 60 s window, 60 s lockout, 203.0.113.0/24 exempt.

describe('failed-challenge lockouts and metrics (real PostgreSQL, Redis and NATS)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let verification: ChallengeVerificationService;
  let statics: StaticChallengeService;
  let settings: ChallengeSettingsService;
  let redis: Redis;
  let webhookCalls = 0;
  let webhook: Server;
  /** Another process's view (a gateway, another replica): learns lockouts only from the NATS announcements. */
  const elsewhereNats = new NatsConnection();
  const elsewhere = new ClientLockouts(elsewhereNats);
  const tenantId = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ moduleRef } = await startChallengeTestApp(db.url));
    verification = moduleRef.get(ChallengeVerificationService);
    statics = moduleRef.get(StaticChallengeService);
    settings = moduleRef.get(ChallengeSettingsService);
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
    await elsewhere.onModuleInit();
    await (await elsewhereNats.get()).flush();
    webhook = createServer((req: IncomingMessage, res) => {
      webhookCalls++;
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"allow":false}'));
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  }, 60_000);

  afterAll(async () => {
    webhook?.closeAllConnections();
    await new Promise((resolve) => webhook?.close(resolve));
    redis?.disconnect();
    await elsewhereNats.onApplicationShutdown();
    await moduleRef?.close();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  const staticProfile = async () => {
    const profileId = randomUUID();
    await statics.set(tenantId, profileId, 'the-right-challenge', 0);
    return profileId;
  };
  const attempt = (profileId: string, challenge: string, clientAddress: string | undefined) =>
    verification.verify(verifyRequest(tenantId, profileId, { challenge, clientAddress }));
  const lockedFor = { decision: 'reject', reason: 'locked', retryAfterSeconds: expect.any(Number) };

  it('locks a client out of one profile after its failures: even its right challenge is refused, others are not', async () => {
    const profileId = await staticProfile();
    const otherProfile = await staticProfile();
    expect(await attempt(profileId, 'guess-0', '192.0.2.50')).toEqual({ decision: 'reject', reason: 'mismatch' });
    expect(await attempt(profileId, 'guess-1', '192.0.2.50')).toEqual({ decision: 'reject', reason: 'mismatch' });
    // The failure that reaches the limit is itself answered as the lockout (the gateway stops the client at once).
    const third = await attempt(profileId, 'guess-2', '192.0.2.50');
    expect(third).toEqual(lockedFor);
    expect(third.decision === 'reject' && third.retryAfterSeconds).toBeGreaterThan(55);
    expect(await attempt(profileId, 'the-right-challenge', '192.0.2.50')).toEqual(lockedFor);
    // The same client behind an IPv4-mapped address is the same client.
    expect(await attempt(profileId, 'the-right-challenge', '::ffff:192.0.2.50')).toEqual(lockedFor);
    // Other clients of the profile, and the same client on another profile of the tenant, are not affected.
    expect(await attempt(profileId, 'the-right-challenge', '192.0.2.51')).toEqual({ decision: 'accept' });
    expect(await attempt(otherProfile, 'the-right-challenge', '192.0.2.50')).toEqual({ decision: 'accept' });
    const ttl = await redis.ttl(`${testRun}:challenge-rl:{${tenantId}}:profile:${profileId}:client:192.0.2.50:locked`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('announces a lockout to every replica and gateway over NATS', async () => {
    const profileId = await staticProfile();
    expect(elsewhere.lockedUntil(tenantId, profileId, '192.0.2.60')).toBeUndefined();
    for (let i = 0; i < 3; i++) await attempt(profileId, `guess-${i}`, '192.0.2.60');
    const until = await eventually(() => elsewhere.lockedUntil(tenantId, profileId, '192.0.2.60'));
    expect(until).toBeGreaterThan(Date.now() + 50_000);
    expect(elsewhere.lockedUntil(tenantId, profileId, '192.0.2.61')).toBeUndefined();
  });

  it('learns a lockout another replica set (its announcement missed): the next failure finds it in Redis', async () => {
    const profileId = await staticProfile();
    const untilMs = Date.now() + 60_000;
    await redis.set(`${testRun}:challenge-rl:{${tenantId}}:profile:${profileId}:client:192.0.2.70:locked`, String(untilMs), 'EX', 60);
    expect(await attempt(profileId, 'the-right-challenge', '192.0.2.70')).toEqual({ decision: 'accept' }); // not known here yet
    expect(await attempt(profileId, 'a-guess', '192.0.2.70')).toEqual(lockedFor);
    expect(await attempt(profileId, 'the-right-challenge', '192.0.2.70')).toEqual(lockedFor);
  });

  it('counts IPv6 clients per /64', async () => {
    const profileId = await staticProfile();
    for (const host of ['1', '2', 'abcd:1']) await attempt(profileId, 'wrong-guess', `2001:db8:aa:bb::${host}`);
    expect(await attempt(profileId, 'the-right-challenge', '2001:db8:aa:bb:ffff::9')).toEqual(lockedFor);
    expect(await attempt(profileId, 'the-right-challenge', '2001:db8:aa:bc::1')).toEqual({ decision: 'accept' });
  });

  it('never refuses a correct challenge because of a spray from many addresses, but gives each sprayer fewer guesses', async () => {
    const profileId = randomUUID();
    await settings.configure(
      ChallengeConfigure.request.parse({ tenantId, profileId, mode: 'webhook', webhook: { url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/`, secret: 'lockout-webhook-secret' } }),
    );
    // Seven addresses, one guess each: the profile passes its threshold of 6; nobody is locked, every guess was asked.
    const before = webhookCalls;
    for (let i = 0; i < 7; i++) expect(await attempt(profileId, 'a-challenge', `198.51.100.${i + 1}`)).toEqual({ decision: 'reject', reason: 'webhook-denied' });
    expect(webhookCalls - before).toBe(7);
    // Under attack: a sprayer is locked after 2 failures instead of 3 ...
    expect(await attempt(profileId, 'a-challenge', '198.51.100.1')).toEqual(lockedFor);
    // ... and a device that has never failed is still asked about (the webhook decides, not the spray).
    const calls = webhookCalls;
    expect(await attempt(profileId, 'a-challenge', '198.51.100.99')).toEqual({ decision: 'reject', reason: 'webhook-denied' });
    expect(webhookCalls).toBe(calls + 1);
    // The static profile case: the right challenge passes for a fresh client after a spray.
    const sprayed = await staticProfile();
    for (let i = 0; i < 10; i++) await attempt(sprayed, 'wrong', `198.51.101.${i + 1}`);
    expect(await attempt(sprayed, 'the-right-challenge', '198.51.101.200')).toEqual({ decision: 'accept' });
  });

  it('never locks requests without a client address or from an exempt NAT, but counts them towards the profile', async () => {
    const profileId = await staticProfile();
    for (let i = 0; i < 5; i++) expect(await attempt(profileId, 'wrong', undefined)).toEqual({ decision: 'reject', reason: 'mismatch' });
    for (let i = 0; i < 5; i++) expect(await attempt(profileId, 'wrong', '203.0.113.7')).toEqual({ decision: 'reject', reason: 'mismatch' });
    expect(await attempt(profileId, 'the-right-challenge', undefined)).toEqual({ decision: 'accept' });
    expect(await attempt(profileId, 'the-right-challenge', '203.0.113.7')).toEqual({ decision: 'accept' });
    expect(Number(await redis.get(`${testRun}:challenge-rl:{${tenantId}}:profile:${profileId}:failures`))).toBe(10);
  });

  it('does not count answers that are not the client\'s fault (profile not configured)', async () => {
    const unconfigured = randomUUID();
    for (let i = 0; i < 8; i++) expect(await attempt(unconfigured, 'x', '192.0.2.77')).toEqual({ decision: 'reject', reason: 'not-configured' });
  });

  it('serves the counters and the configured limits on /metrics, /healthz and /readyz', async () => {
    const url = moduleRef.get(OpsHttpServer).url();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const metrics = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    expect(metrics).toMatch(/scep_challenge_verifications_total\{mode="static",decision="reject",reason="mismatch"\} \d+/);
    expect(metrics).toMatch(/scep_challenge_verifications_total\{mode="static",decision="accept",reason="none"\} \d+/);
    expect(metrics).toMatch(/scep_challenge_verifications_total\{mode="unknown",decision="reject",reason="locked"\} \d+/);
    expect(metrics).toMatch(/scep_challenge_lockouts_total\{scope="client"\} [1-9]/);
    expect(metrics).toMatch(/scep_challenge_profile_under_attack_total [1-9]/);
    expect(metrics).toContain('scep_challenge_failure_limit{scope="profile"} 6');
    expect(metrics).toContain('scep_challenge_failure_limit{scope="client"} 3');
    expect(metrics).toContain('scep_challenge_failure_limit{scope="client_under_attack"} 2');
    expect(metrics).toContain('scep_challenge_failure_window_seconds 60');
    expect(metrics).toContain('scep_challenge_lockout_seconds 60');
    expect(metrics).toContain('scep_challenge_verification_duration_seconds_bucket');
    // Standard process metrics under their standard names (no service prefix).
    expect(metrics).toMatch(/^process_cpu_seconds_total /m);
    const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(health.status).toBe(200);
    expect((await fetch(`${url}/other`, { signal: AbortSignal.timeout(5000) })).status).toBe(404);
  });

  it('rejects malformed lockout announcements', () => {
    const local = new ClientLockouts(elsewhereNats);
    const past: ClientLockedEvent = { tenantId, profileId: randomUUID(), clientAddress: '192.0.2.90', untilMs: Date.now() - 1 };
    local.remember(past);
    expect(local.lockedUntil(past.tenantId, past.profileId, past.clientAddress)).toBeUndefined();
  });
});
