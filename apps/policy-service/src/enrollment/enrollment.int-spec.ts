import { testRun } from '../test-env.int';
import { randomBytes, randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { JobIds, Queues, RecordIssuance, type RpcRequest, type EnrollmentSubmit } from '@scep/contracts';
import { databaseRootModule } from '@scep/persistence-core';
import { EnrollmentTransactionRepository, enrollmentEntities } from '@scep/persistence-enrollment';
import { ProfileSettingsReader } from '@scep/persistence-read';
import { type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { TenancyEvents, addJob, queueModule, queueRootModule } from '@scep/transport';
import { EnrollmentOutcomesProcessor } from '../outcomes/enrollment-outcomes.processor';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';
import { EnrollmentService } from './enrollment.service';
import { SigningQueueProducer } from './signing-queue.producer';

const hex = () => randomBytes(32).toString('hex');

describe('EnrollmentService (real Postgres and BullMQ)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let service: EnrollmentService;
  let signingQueue: Queue;
  let outcomesQueue: Queue;
  let dataSource: DataSource;
  const tenantId = randomUUID();
  const profileId = randomUUID();
  const caId = randomUUID();

  const request = (overrides: Partial<RpcRequest<typeof EnrollmentSubmit>> = {}): RpcRequest<typeof EnrollmentSubmit> => {
    const keyFingerprint = overrides.keyFingerprint ?? hex();
    return {
      tenantId,
      profileId,
      transactionId: `tx-${randomUUID()}`,
      messageType: 19,
      csrDer: Buffer.from('csr bytes').toString('base64'),
      csr: { subject: 'CN=device', keyFingerprint, subjectAltNames: [], keyAlgorithm: 'rsa', keySize: 2048 },
      csrFingerprint: hex(),
      keyFingerprint,
      signerFingerprint: keyFingerprint,
      requestCipher: 'aes-256-cbc',
      requestDigest: 'sha256',
      ...overrides,
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    moduleRef = await Test.createTestingModule({
      imports: [databaseRootModule('policy-test', enrollmentEntities), queueRootModule(), queueModule(Queues.certificateSigning, Queues.enrollmentOutcomes)],
      providers: [EnrollmentTransactionRepository, ProfileSettingsReader, ProfileSettingsCache, TenancyEvents, SigningQueueProducer, EnrollmentService, EnrollmentOutcomesProcessor],
    }).compile();
    await moduleRef.init();
    service = moduleRef.get(EnrollmentService);
    signingQueue = moduleRef.get(getQueueToken(Queues.certificateSigning));
    outcomesQueue = moduleRef.get(getQueueToken(Queues.enrollmentOutcomes));
    dataSource = moduleRef.get(getDataSourceToken());
    await dataSource.query(`INSERT INTO tenancy.tenants (id, slug, display_name) VALUES ($1, 'acme', 'Acme')`, [tenantId]);
    await dataSource.query(
      `INSERT INTO tenancy.profiles (id, tenant_id, slug, status, ca_id, ra_credential_id, validity_days, sync_wait_ms)
       VALUES ($1, $2, 'laptops', 'active', $3, $4, 30, 5000)`,
      [profileId, tenantId, caId, randomUUID()],
    );
  }, 60_000);

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  const liveRows = async (transactionId: string) =>
    Number((await dataSource.query(`SELECT count(*) AS n FROM enrollment.transactions WHERE transaction_id = $1`, [transactionId]))[0].n);

  it('records an approved request once and enqueues signing with a deterministic job id', async () => {
    const req = request();
    const state = await service.submit(req);
    expect(state.state).toBe('queued');
    const row = await moduleRef.get(EnrollmentTransactionRepository).findLive(tenantId, profileId, req.transactionId);
    expect(row?.status).toBe('queued');
    expect(row?.decision.rules.every((r) => r.passed)).toBe(true);
    const jobId = JobIds.signCertificate(tenantId, row?.id as string);
    expect(state).toEqual({ state: 'queued', jobId });
    const job = await signingQueue.getJob(jobId);
    expect(job?.data).toMatchObject({ tenantId, profileId, caId, enrollmentId: row?.id, validityDays: 30 });
  });

  it('answers a resend of the same transaction from its state, without a second record or job', async () => {
    const req = request();
    const first = await service.submit(req);
    const again = await service.submit({ ...req });
    expect(again).toEqual(first);
    expect(await liveRows(req.transactionId)).toBe(1);
    expect(await signingQueue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed')).toBeGreaterThan(0);
  });

  it('refuses the same transactionID from another key', async () => {
    const req = request();
    await service.submit(req);
    const other = hex();
    const hijack = await service.submit({ ...req, keyFingerprint: other, signerFingerprint: other });
    expect(hijack).toMatchObject({ state: 'rejected', failInfo: 'badRequest' });
    expect(await liveRows(req.transactionId)).toBe(1);
  });

  it('records ten concurrent identical requests as one transaction and one job', async () => {
    const req = request();
    const before = await signingQueue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    const states = await Promise.all(Array.from({ length: 10 }, () => service.submit({ ...req })));
    expect(new Set(states.map((s) => JSON.stringify(s))).size).toBe(1);
    expect(states[0]?.state).toBe('queued');
    expect(await liveRows(req.transactionId)).toBe(1);
    const after = await signingQueue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    expect(after - before).toBe(1);
  });

  it('rejects what the policy refuses, records why, and enqueues nothing', async () => {
    const req = request({ csr: { subject: 'CN=weak', keyFingerprint: hex(), subjectAltNames: [], keyAlgorithm: 'rsa', keySize: 1024 } });
    const state = await service.submit(req);
    expect(state).toMatchObject({ state: 'rejected', failInfo: 'badRequest' });
    const row = await moduleRef.get(EnrollmentTransactionRepository).findLive(tenantId, profileId, req.transactionId);
    expect(row?.status).toBe('rejected');
    expect(row?.decision.rules.find((r) => r.rule === 'key-size')?.passed).toBe(false);
    expect(await signingQueue.getJob(JobIds.signCertificate(tenantId, row?.id as string))).toBeUndefined();
  });

  it('answers polls only for the requesting key, and reports the issued certificate once the signer reports it', async () => {
    const req = request();
    await service.submit(req);
    const row = await moduleRef.get(EnrollmentTransactionRepository).findLive(tenantId, profileId, req.transactionId);
    const enrollmentId = row?.id as string;

    expect(await service.status({ tenantId, profileId, transactionId: 'no-such-tx', signerFingerprint: req.signerFingerprint })).toEqual({ state: 'unknown' });
    expect(await service.status({ tenantId, profileId, transactionId: req.transactionId, signerFingerprint: hex() })).toEqual({ state: 'unknown' });
    expect((await service.status({ tenantId, profileId, transactionId: req.transactionId, signerFingerprint: req.signerFingerprint })).state).toBe('queued');

    // The signer's outcome arrives through the durable queue, consumed by EnrollmentOutcomesProcessor.
    await addJob(outcomesQueue, RecordIssuance, { tenantId, enrollmentId, serialHex: 'ABC123', certificateDer: Buffer.from('cert').toString('base64') }, {
      jobId: JobIds.recordOutcome(tenantId, enrollmentId),
    });
    let state;
    for (let i = 0; i < 100; i++) {
      state = await service.status({ tenantId, profileId, transactionId: req.transactionId, signerFingerprint: req.signerFingerprint });
      if (state.state === 'issued') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(state).toEqual({ state: 'issued', certificateDer: Buffer.from('cert').toString('base64'), serialHex: 'ABC123' });
    // A resend after issuance gets the stored certificate, not a new job.
    expect(await service.submit({ ...req })).toEqual(state);
  });

  it('refuses requests for a profile that is not active', async () => {
    const otherProfile = randomUUID();
    await dataSource.query(
      `INSERT INTO tenancy.profiles (id, tenant_id, slug, status, ca_id, validity_days, sync_wait_ms) VALUES ($1, $2, 'draft', 'provisioning', $3, 30, 5000)`,
      [otherProfile, tenantId, caId],
    );
    expect(await service.submit(request({ profileId: otherProfile }))).toMatchObject({ state: 'rejected', failInfo: 'badRequest' });
  });
});
