import { testRun } from '../test-env.int';
import { randomUUID } from 'node:crypto';
import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { DynamicChallengeRepository } from '@scep/persistence-challenge';
import { ChallengeMint, type RpcRequest } from '@scep/contracts';
import { type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { capturedLogs, randomHex, startChallengeTestApp, verifyRequest } from '../challenge-test-app.int';
import { ChallengeSettingsService } from '../settings/challenge-settings.service';
import { ChallengeVerificationService } from '../verification/challenge-verification.service';
import { CHALLENGE_ALPHABET } from './challenge-generator';
import { DynamicChallengeService } from './dynamic-challenge.service';

describe('dynamic one-time challenges (real PostgreSQL and Redis)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let dataSource: DataSource;
  let dynamics: DynamicChallengeService;
  let verification: ChallengeVerificationService;
  let settings: ChallengeSettingsService;
  const tenantId = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ moduleRef, dataSource } = await startChallengeTestApp(db.url));
    dynamics = moduleRef.get(DynamicChallengeService);
    verification = moduleRef.get(ChallengeVerificationService);
    settings = moduleRef.get(ChallengeSettingsService);
  }, 60_000);

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  /** A fresh dynamic profile (fresh rate-limit scopes too). */
  const dynamicProfile = async (dynamicDefaultTtlSeconds = 3600) => {
    const profileId = randomUUID();
    await settings.configure({ tenantId, profileId, mode: 'dynamic', dynamicDefaultTtlSeconds });
    return profileId;
  };

  const mint = async (profileId: string, extra: Partial<RpcRequest<typeof ChallengeMint>> = {}) => {
    const result = await dynamics.mint(ChallengeMint.request.parse({ tenantId, profileId, actor: 'mdm-integration', ...extra }), await settings.get(tenantId, profileId));
    if (result.result !== 'minted') throw new Error('not minted');
    return result;
  };

  /** Each call from its own address: these tests are about one-time semantics, not lockouts. */
  const verify = (profileId: string, overrides: Parameters<typeof verifyRequest>[2] = {}) =>
    verification.verify(verifyRequest(tenantId, profileId, { clientAddress: `198.51.100.${Math.floor(Math.random() * 250)}`, ...overrides }));

  it('mints only for dynamic profiles', async () => {
    const staticProfile = randomUUID();
    expect(await dynamics.mint(ChallengeMint.request.parse({ tenantId, profileId: staticProfile, actor: 'x' }), await settings.get(tenantId, staticProfile))).toEqual({
      result: 'not-dynamic',
    });
  });

  it('returns the value once, stores only its keyed hash, and lists metadata only', async () => {
    const profileId = await dynamicProfile(900);
    const before = Date.now();
    const minted = await mint(profileId, { expectedSubject: 'CN=laptop-7', expectedSans: [{ type: 'dns', value: 'laptop-7.example.com' }] });
    expect(minted.challenge).toHaveLength(24);
    for (const c of minted.challenge) expect(CHALLENGE_ALPHABET).toContain(c);
    const expiresAt = Date.parse(minted.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 900_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);

    const [row] = await dataSource.query(`SELECT row_to_json(d)::text AS json, secret_hash FROM challenge.dynamic_challenges d WHERE id = $1`, [minted.id]);
    expect(row.json).not.toContain(minted.challenge);
    expect(Buffer.from(row.secret_hash).toString('latin1')).not.toContain(minted.challenge);
    expect(row.secret_hash).toHaveLength(32);

    const listed = await dynamics.list({ tenantId, profileId, limit: 10 });
    expect(listed.items).toEqual([
      { id: minted.id, createdAt: expect.any(String), createdBy: 'mdm-integration', expiresAt: minted.expiresAt, expectedSubject: 'CN=laptop-7', expectedSans: [{ type: 'dns', value: 'laptop-7.example.com' }] },
    ]);
    expect(JSON.stringify(listed)).not.toContain(minted.challenge);
    // Another tenant sees nothing.
    expect((await dynamics.list({ tenantId: randomUUID(), profileId, limit: 10 })).items).toEqual([]);
  });

  it('uses the TTL asked for, else the profile default', async () => {
    const profileId = await dynamicProfile(600);
    const t0 = Date.now();
    expect(Date.parse((await mint(profileId)).expiresAt) - t0).toBeGreaterThanOrEqual(600_000 - 5);
    expect(Date.parse((await mint(profileId, { ttlSeconds: 120 })).expiresAt) - t0).toBeLessThanOrEqual(120_000 + 2000);
  });

  it('is consumed by its first transaction: reuse by another is refused, a retry of the same transaction passes', async () => {
    const profileId = await dynamicProfile();
    const { challenge, id } = await mint(profileId);
    const first = verifyRequest(tenantId, profileId, { challenge });
    expect(await verification.verify(first)).toEqual({ decision: 'accept' });

    // Another transaction (another device) with the same challenge.
    expect(await verify(profileId, { challenge })).toEqual({ decision: 'reject', reason: 'consumed' });
    expect(capturedLogs.matching('challenge-reuse').join('\n')).toContain(id);
    // The same transactionID but another key: a hijack attempt, not a retry.
    expect(await verify(profileId, { challenge, transactionId: first.transactionId })).toEqual({ decision: 'reject', reason: 'consumed' });
    // The same transaction and key again (a resend while PENDING, RFC 8894 §3.3.1): accepted.
    expect(await verify(profileId, { challenge, transactionId: first.transactionId, csr: first.csr })).toEqual({ decision: 'accept' });

    const [row] = await dataSource.query(`SELECT consumed_transaction_id, consumed_key_fingerprint, consumed_at FROM challenge.dynamic_challenges WHERE id = $1`, [id]);
    expect(row).toMatchObject({ consumed_transaction_id: first.transactionId, consumed_key_fingerprint: first.csr.keyFingerprint });
    const listed = await dynamics.list({ tenantId, profileId, limit: 10 });
    expect(listed.items[0]).toMatchObject({ id, consumedTransactionId: first.transactionId, consumedAt: new Date(row.consumed_at).toISOString() });
  });

  it('refuses an expired challenge, but still lets the transaction that consumed it retry', async () => {
    const profileId = await dynamicProfile();
    const unused = await mint(profileId);
    const used = await mint(profileId);
    const consumer = verifyRequest(tenantId, profileId, { challenge: used.challenge });
    expect(await verification.verify(consumer)).toEqual({ decision: 'accept' });
    await dataSource.query(`UPDATE challenge.dynamic_challenges SET expires_at = now() - interval '1 second' WHERE id = ANY($1)`, [[unused.id, used.id]]);

    expect(await verify(profileId, { challenge: unused.challenge })).toEqual({ decision: 'reject', reason: 'expired' });
    expect(await verify(profileId, { challenge: used.challenge, transactionId: consumer.transactionId, csr: consumer.csr })).toEqual({ decision: 'accept' });
    expect(await verify(profileId, { challenge: used.challenge })).toEqual({ decision: 'reject', reason: 'consumed' });
  });

  it('refuses a CSR for another subject, without the bound SANs or with more, without consuming the challenge', async () => {
    const profileId = await dynamicProfile();
    const { challenge } = await mint(profileId, {
      expectedSubject: 'CN=laptop-42,O=Acme',
      expectedSans: [
        { type: 'dns', value: 'laptop-42.corp.example.com' },
        { type: 'email', value: 'ada@example.com' },
      ],
    });
    const sans = [
      { type: 'dns', value: 'LAPTOP-42.corp.example.com' },
      { type: 'email', value: 'ada@example.com' },
      { type: 'uri', value: 'urn:extra' },
    ];
    expect(await verify(profileId, { challenge, csr: { subject: 'CN=laptop-43,O=Acme', subjectAltNames: sans } })).toEqual({ decision: 'reject', reason: 'subject-mismatch' });
    expect(await verify(profileId, { challenge, csr: { subject: 'CN=laptop-42,O=Acme', subjectAltNames: sans.slice(0, 1) } })).toEqual({
      decision: 'reject',
      reason: 'san-mismatch',
    });
    // Bindings are exact: one SAN more than the challenge names is refused too.
    expect(await verify(profileId, { challenge, csr: { subject: 'CN=laptop-42,O=Acme', subjectAltNames: sans } })).toEqual({ decision: 'reject', reason: 'san-mismatch' });
    expect(await verify(profileId, { challenge, csr: { subject: 'CN=laptop-42,O=Acme', subjectAltNames: sans.slice(0, 2) } })).toEqual({ decision: 'accept' });
  });

  it('refuses unknown values, values of another profile or tenant, and requests without a challenge', async () => {
    const profileId = await dynamicProfile();
    const other = await dynamicProfile();
    const { challenge } = await mint(other);
    expect(await verify(profileId, { challenge })).toEqual({ decision: 'reject', reason: 'mismatch' });
    expect(await verify(profileId, { challenge: 'ABCDEFGHJKLMNPQRSTUVWXYZ' })).toEqual({ decision: 'reject', reason: 'mismatch' });
    expect(await verify(profileId, {})).toEqual({ decision: 'reject', reason: 'missing' });
    const otherTenant = randomUUID();
    await settings.configure({ tenantId: otherTenant, profileId: other, mode: 'dynamic', dynamicDefaultTtlSeconds: 3600 });
    expect(await verification.verify(verifyRequest(otherTenant, other, { challenge }))).toEqual({ decision: 'reject', reason: 'mismatch' });
    // Still unused by all of that:
    expect(await verify(other, { challenge })).toEqual({ decision: 'accept' });
  });

  it('accepts exactly one of many concurrent transactions presenting the same challenge', async () => {
    const profileId = await dynamicProfile();
    const { challenge, id } = await mint(profileId);
    const requests = Array.from({ length: 20 }, () => verifyRequest(tenantId, profileId, { challenge, csr: { keyFingerprint: randomHex() } }));
    const results = await Promise.all(requests.map((r) => dynamics.verify(r)));
    const winners = results.flatMap((r, i) => (r.decision === 'accept' ? [requests[i]] : []));
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.decision === 'reject' && r.reason === 'consumed')).toHaveLength(19);
    const [row] = await dataSource.query(`SELECT consumed_transaction_id FROM challenge.dynamic_challenges WHERE id = $1`, [id]);
    expect(row.consumed_transaction_id).toBe(winners[0]?.transactionId);
  });

  it('lets only one of many concurrent consuming UPDATEs win (the guard itself, without the read before it)', async () => {
    const profileId = await dynamicProfile();
    const { id } = await mint(profileId);
    const repository = moduleRef.get(DynamicChallengeRepository);
    const now = new Date();
    const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => repository.consume(tenantId, id, `tx-${i}`, randomHex(), now)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await repository.consume(randomUUID(), id, 'tx-other-tenant', randomHex(), now)).toBe(false);
  });

  it('lets concurrent retries of the one consuming transaction all pass', async () => {
    const profileId = await dynamicProfile();
    const { challenge } = await mint(profileId);
    const request = verifyRequest(tenantId, profileId, { challenge });
    const results = await Promise.all(Array.from({ length: 8 }, () => dynamics.verify({ ...request })));
    expect(results.every((r) => r.decision === 'accept')).toBe(true);
  });
});
