import { testRun } from './test-env.int';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, type INestMicroservice, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import {
  ChallengeConfigure,
  ChallengeList,
  ChallengeMint,
  ChallengeNotifyOutcome,
  ChallengeSetIntuneConnection,
  ChallengeSetStatic,
  ChallengeVerify,
} from '@scep/contracts';
import { buildSelfSignedCaCertificate, encodeDistinguishedName, randomSerial } from '@scep/pki';
import { FakeIntune, TEST_REDIS_URL, type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { NatsConnection, RpcCallError, RpcClient, rpcServerStrategy } from '@scep/transport';
import { capturedLogs, eventually, randomHex } from './challenge-test-app.int';
import { ChallengeModule } from './challenge.module';

@Injectable()
class Caller {
  constructor(readonly rpc: RpcClient) {}
}

@Module({ providers: [NatsConnection, RpcClient, Caller] })
class CallerModule {}

/** Values that must never be found in a log line, a stored row or Redis. */
const secrets = new Set<string>();
const remember = <T extends string>(value: T): T => {
  secrets.add(value);
  return value;
};

describe('challenge service over NATS RPC (the whole module: real PostgreSQL, Redis, NATS)', () => {
  let db: TestDatabase;
  let server: INestMicroservice;
  let serverRef: TestingModule;
  let callerRef: TestingModule;
  let rpc: RpcClient;
  let fake: FakeIntune;
  let webhook: Server;
  const tenantId = randomUUID();
  const webhookSecret = remember('rpc-webhook-secret-value-77');
  const intuneSecret = remember('rpc-intune-client-secret-99');

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    serverRef = await Test.createTestingModule({ imports: [ChallengeModule] })
      .setLogger(capturedLogs)
      .compile();
    server = serverRef.createNestMicroservice(rpcServerStrategy('challenge-service'));
    await server.listen();
    // Every compile() installs its builder's logger process-wide: keep the capture.
    callerRef = await Test.createTestingModule({ imports: [CallerModule] }).setLogger(capturedLogs).compile();
    await callerRef.init();
    rpc = callerRef.get(Caller).rpc;
    fake = await FakeIntune.start({ azureTenantId: 'fabrikam.onmicrosoft.com', clientId: 'app-id-1', clientSecret: intuneSecret });
    webhook = createServer((req: IncomingMessage, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"allow":true}'));
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  }, 60_000);

  afterAll(async () => {
    webhook?.closeAllConnections();
    await new Promise((resolve) => webhook?.close(resolve));
    await fake?.stop();
    await callerRef?.close();
    await server?.close();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  const csr = () => ({ subject: 'CN=rpc-device', keyFingerprint: randomHex(), subjectAltNames: [], keyAlgorithm: 'rsa', keySize: 2048 });
  const verify = (profileId: string, challenge: string | undefined, extra: { transactionId?: string; csr?: ReturnType<typeof csr> } = {}) =>
    rpc.call(ChallengeVerify, {
      tenantId,
      profileId,
      transactionId: extra.transactionId ?? `tx-${randomUUID()}`,
      messageType: 19,
      challenge,
      csr: extra.csr ?? csr(),
      csrDer: Buffer.from('a csr').toString('base64'),
      clientAddress: `192.0.2.${Math.floor(Math.random() * 250) + 1}`,
    });

  it('static: set with an overlap and verify', async () => {
    const profileId = randomUUID();
    const first = remember('rpc-static-challenge-one');
    const second = remember('rpc-static-challenge-two');
    await rpc.call(ChallengeSetStatic, { tenantId, profileId, challenge: first });
    expect(await verify(profileId, first)).toEqual({ decision: 'accept' });
    const { updatedAt } = await rpc.call(ChallengeSetStatic, { tenantId, profileId, challenge: second, overlapSeconds: 600 });
    expect(Date.parse(updatedAt)).toBeLessThanOrEqual(Date.now());
    expect(await verify(profileId, first)).toEqual({ decision: 'accept' });
    expect(await verify(profileId, second)).toEqual({ decision: 'accept' });
    expect(await verify(profileId, 'rpc-static-challenge-three')).toEqual({ decision: 'reject', reason: 'mismatch' });
  });

  it('dynamic: configure, mint, list metadata, verify once, refuse reuse', async () => {
    const profileId = randomUUID();
    expect(await rpc.call(ChallengeMint, { tenantId, profileId, actor: 'mdm' })).toEqual({ result: 'not-dynamic' });
    expect(await rpc.call(ChallengeConfigure, { tenantId, profileId, mode: 'dynamic', dynamicDefaultTtlSeconds: 300 })).toMatchObject({ mode: 'dynamic' });
    const minted = await rpc.call(ChallengeMint, { tenantId, profileId, actor: 'mdm', expectedSubject: 'CN=rpc-device' });
    if (minted.result !== 'minted') throw new Error('not minted');
    remember(minted.challenge);
    const list = await rpc.call(ChallengeList, { tenantId, profileId });
    expect(list.items.map((i) => i.id)).toEqual([minted.id]);
    expect(JSON.stringify(list)).not.toContain(minted.challenge);

    const request = { transactionId: `tx-${randomUUID()}`, csr: csr() };
    expect(await verify(profileId, minted.challenge, request)).toEqual({ decision: 'accept' });
    expect(await verify(profileId, minted.challenge, request)).toEqual({ decision: 'accept' }); // the same transaction again
    expect(await verify(profileId, minted.challenge)).toEqual({ decision: 'reject', reason: 'consumed' });
    expect((await rpc.call(ChallengeList, { tenantId, profileId })).items[0]).toMatchObject({ consumedTransactionId: request.transactionId });
  });

  it('webhook: refuses incomplete settings with an error code, then verifies through the webhook', async () => {
    const profileId = randomUUID();
    await expect(rpc.call(ChallengeConfigure, { tenantId, profileId, mode: 'webhook' })).rejects.toBeInstanceOf(RpcCallError);
    // The caller's edge maps the code and names the field (admin-api: 400 with field), never a 500.
    await expect(rpc.call(ChallengeConfigure, { tenantId, profileId, mode: 'webhook' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', field: 'webhook' });
    await expect(
      rpc.call(ChallengeConfigure, { tenantId, profileId, mode: 'webhook', webhook: { url: 'http://hooks.example.com/hook', secret: webhookSecret } }),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST', field: 'webhook.url' });
    await rpc.call(ChallengeConfigure, {
      tenantId,
      profileId,
      mode: 'webhook',
      webhook: { url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`, secret: webhookSecret, timeoutMs: 1000 },
    });
    expect(await verify(profileId, remember('rpc-webhook-device-challenge'))).toEqual({ decision: 'accept' });
  });

  it('intune: connection, validation and a notification end to end', async () => {
    const profileId = randomUUID();
    await rpc.call(ChallengeSetIntuneConnection, {
      tenantId,
      azureTenantId: 'fabrikam.onmicrosoft.com',
      clientId: 'app-id-1',
      clientSecret: intuneSecret,
      loginUrl: fake.url,
      graphUrl: fake.url,
    });
    await expect(
      rpc.call(ChallengeSetIntuneConnection, { tenantId, azureTenantId: 'x', clientId: 'y', clientSecret: intuneSecret, loginUrl: fake.url, graphUrl: 'ftp://graph.example/' }),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST', field: 'graphUrl' });
    await rpc.call(ChallengeConfigure, { tenantId, profileId, mode: 'intune' });
    const transactionId = `tx-${randomUUID()}`;
    expect(await verify(profileId, remember('rpc-intune-device-challenge'), { transactionId })).toEqual({ decision: 'accept' });

    const certificateDer = buildSelfSignedCaCertificate({
      subjectDer: encodeDistinguishedName('CN=RPC CA'),
      keyPair: generateKeyPairSync('rsa', { modulusLength: 2048 }),
      notBefore: new Date(Date.UTC(2026, 0, 1)),
      notAfter: new Date(Date.UTC(2027, 0, 1)),
      digest: 'sha256',
      serial: randomSerial(),
    }).toString('base64');
    const outcome = { tenantId, profileId, transactionId, csrDer: Buffer.from('a csr').toString('base64'), outcome: { kind: 'issued' as const, certificateDer } };
    expect(await rpc.call(ChallengeNotifyOutcome, outcome)).toEqual({ queued: true });
    expect(await eventually(() => fake.callsOf('successNotification').length === 1)).toBe(true);
    // A non-Intune profile ignores outcomes; a certificate that cannot be read is a typed error.
    expect(await rpc.call(ChallengeNotifyOutcome, { ...outcome, profileId: randomUUID() })).toEqual({ queued: false });
    await expect(rpc.call(ChallengeNotifyOutcome, { ...outcome, transactionId: 'tx-bad', outcome: { kind: 'issued', certificateDer: 'AAAA' } })).rejects.toBeInstanceOf(RpcCallError);
    expect(fake.violations).toEqual([]);
  });

  it('never puts a challenge or a secret in a log line, a stored row or Redis', async () => {
    expect(secrets.size).toBe(7);
    // The capture sees the service's real log lines (so an empty result below means something).
    expect(capturedLogs.matching('one-time challenge minted')).toHaveLength(1);
    expect(capturedLogs.matching('challenge-reuse')).toHaveLength(1);
    expect(capturedLogs.matching('challenge rejected').length).toBeGreaterThan(0);
    const dataSource = serverRef.get<DataSource>(getDataSourceToken());
    const tables = ['static_challenges', 'profile_settings', 'dynamic_challenges', 'intune_connections', 'intune_notifications'];
    const stored: string[] = [];
    for (const table of tables) {
      const rows: Array<{ json: string }> = await dataSource.query(`SELECT row_to_json(t)::text AS json FROM challenge.${table} t`);
      expect(rows.length).toBeGreaterThan(0);
      stored.push(...rows.map((r) => r.json));
    }
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
    const inRedis: string[] = [];
    try {
      for (const key of await redis.keys(`${testRun}:*`)) {
        const type = await redis.type(key);
        if (type === 'string') inRedis.push(`${key} ${await redis.get(key)}`);
        else if (type === 'hash') inRedis.push(`${key} ${JSON.stringify(await redis.hgetall(key))}`);
        else inRedis.push(key);
      }
    } finally {
      redis.disconnect();
    }
    for (const secret of secrets) {
      const hex = Buffer.from(secret).toString('hex');
      expect({ secret, logs: capturedLogs.lines.filter((l) => l.includes(secret)) }).toEqual({ secret, logs: [] });
      expect({ secret, rows: stored.filter((r) => r.includes(secret) || r.includes(hex)) }).toEqual({ secret, rows: [] });
      expect({ secret, redis: inRedis.filter((r) => r.includes(secret)) }).toEqual({ secret, redis: [] });
    }
  });
});
