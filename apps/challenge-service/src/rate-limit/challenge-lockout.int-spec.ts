import { testRun } from '../test-env.int';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestingModule } from '@nestjs/testing';
import Redis from 'ioredis';
import { ChallengeConfigure } from '@scep/contracts';
import { TEST_REDIS_URL, type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { startChallengeTestApp, verifyRequest } from '../challenge-test-app.int';
import { MetricsHttpServer } from '../metrics/metrics-http.server';
import { ChallengeSettingsService } from '../settings/challenge-settings.service';
import { StaticChallengeService } from '../static-challenge/static-challenge.service';
import { ChallengeVerificationService } from '../verification/challenge-verification.service';

// test-env.int.ts: 3 failures per client, 6 per profile, 60 s window, 60 s lockout.

describe('failed-challenge lockouts and metrics (real PostgreSQL and Redis)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let verification: ChallengeVerificationService;
  let statics: StaticChallengeService;
  let settings: ChallengeSettingsService;
  let redis: Redis;
  let webhookCalls = 0;
  let webhook: Server;
  const tenantId = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ moduleRef } = await startChallengeTestApp(db.url));
    verification = moduleRef.get(ChallengeVerificationService);
    statics = moduleRef.get(StaticChallengeService);
    settings = moduleRef.get(ChallengeSettingsService);
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
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
  const rateKeys = (profileId: string) => redis.keys(`${testRun}:challenge-rl:{${tenantId}}:*`).then((keys) => keys.filter((k) => k.includes(profileId) || k.includes(':client:')));

  it('locks a client out after its failures: then even the right challenge is refused without checking', async () => {
    const profileId = await staticProfile();
    for (let i = 0; i < 3; i++) expect(await attempt(profileId, `guess-${i}`, '192.0.2.50')).toEqual({ decision: 'reject', reason: 'mismatch' });
    expect(await attempt(profileId, 'the-right-challenge', '192.0.2.50')).toEqual({ decision: 'reject', reason: 'locked' });
    // The same client behind an IPv4-mapped address is the same client.
    expect(await attempt(profileId, 'the-right-challenge', '::ffff:192.0.2.50')).toEqual({ decision: 'reject', reason: 'locked' });
    // Other clients of the profile are not affected.
    expect(await attempt(profileId, 'the-right-challenge', '192.0.2.51')).toEqual({ decision: 'accept' });
    const ttl = await redis.ttl(`${testRun}:challenge-rl:{${tenantId}}:client:192.0.2.50:locked`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('counts IPv6 clients per /64', async () => {
    const profileId = await staticProfile();
    for (const host of ['1', '2', 'abcd:1']) await attempt(profileId, 'wrong-guess', `2001:db8:aa:bb::${host}`);
    expect(await attempt(profileId, 'the-right-challenge', '2001:db8:aa:bb:ffff::9')).toEqual({ decision: 'reject', reason: 'locked' });
    expect(await attempt(profileId, 'the-right-challenge', '2001:db8:aa:bc::1')).toEqual({ decision: 'accept' });
  });

  it('locks a whole profile after its failures from many clients, without calling its webhook any more', async () => {
    const profileId = randomUUID();
    await settings.configure(
      ChallengeConfigure.request.parse({ tenantId, profileId, mode: 'webhook', webhook: { url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/`, secret: 'lockout-webhook-secret' } }),
    );
    for (let i = 0; i < 6; i++) expect(await attempt(profileId, 'a-challenge', `198.51.100.${i + 1}`)).toEqual({ decision: 'reject', reason: 'webhook-denied' });
    const calls = webhookCalls;
    expect(calls).toBe(6);
    expect(await attempt(profileId, 'a-challenge', '198.51.100.99')).toEqual({ decision: 'reject', reason: 'locked' });
    expect(await attempt(profileId, 'a-challenge', undefined)).toEqual({ decision: 'reject', reason: 'locked' });
    expect(webhookCalls).toBe(calls);
  });

  it('counts requests without a client address against the profile only', async () => {
    const profileId = await staticProfile();
    for (let i = 0; i < 5; i++) expect(await attempt(profileId, 'wrong', undefined)).toEqual({ decision: 'reject', reason: 'mismatch' });
    const keys = await rateKeys(profileId);
    expect(keys.filter((k) => k.includes(profileId))).toEqual([`${testRun}:challenge-rl:{${tenantId}}:profile:${profileId}:failures`]);
    expect(Number(await redis.get(`${testRun}:challenge-rl:{${tenantId}}:profile:${profileId}:failures`))).toBe(5);
    expect(await redis.ttl(`${testRun}:challenge-rl:{${tenantId}}:profile:${profileId}:failures`)).toBeGreaterThan(50);
    expect(await attempt(profileId, 'the-right-challenge', undefined)).toEqual({ decision: 'accept' });
    expect(await attempt(profileId, 'wrong', undefined)).toEqual({ decision: 'reject', reason: 'mismatch' });
    expect(await attempt(profileId, 'the-right-challenge', undefined)).toEqual({ decision: 'reject', reason: 'locked' });
  });

  it('does not count answers that are not the client\'s fault (profile not configured)', async () => {
    const unconfigured = randomUUID();
    for (let i = 0; i < 8; i++) expect(await attempt(unconfigured, 'x', '192.0.2.77')).toEqual({ decision: 'reject', reason: 'not-configured' });
  });

  it('serves the counters and the configured limits on /metrics, and /healthz', async () => {
    const url = moduleRef.get(MetricsHttpServer).url();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const metrics = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    expect(metrics).toMatch(/scep_challenge_verifications_total\{mode="static",decision="reject",reason="mismatch"\} \d+/);
    expect(metrics).toMatch(/scep_challenge_verifications_total\{mode="static",decision="accept",reason="none"\} \d+/);
    expect(metrics).toMatch(/scep_challenge_verifications_total\{mode="unknown",decision="reject",reason="locked"\} \d+/);
    expect(metrics).toMatch(/scep_challenge_verifications_total\{mode="webhook",decision="reject",reason="webhook-denied"\} 6/);
    expect(metrics).toMatch(/scep_challenge_lockouts_total\{scope="client"\} [1-9]/);
    expect(metrics).toMatch(/scep_challenge_lockouts_total\{scope="profile"\} [1-9]/);
    expect(metrics).toContain('scep_challenge_failure_limit{scope="profile"} 6');
    expect(metrics).toContain('scep_challenge_failure_limit{scope="client"} 3');
    expect(metrics).toContain('scep_challenge_failure_window_seconds 60');
    expect(metrics).toContain('scep_challenge_lockout_seconds 60');
    expect(metrics).toContain('scep_challenge_verification_duration_seconds_bucket');
    const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(health.status).toBe(200);
    expect((await fetch(`${url}/other`, { signal: AbortSignal.timeout(5000) })).status).toBe(404);
  });
});
