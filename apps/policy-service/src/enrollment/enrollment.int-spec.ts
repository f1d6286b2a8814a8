import { testRun } from '../test-env.int';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { JobIds, Queues, RecordIssuance, type RpcRequest, type EnrollmentSubmit } from '@scep/contracts';
import { databaseRootModule } from '@scep/persistence-core';
import { EnrollmentTransactionRepository, enrollmentEntities } from '@scep/persistence-enrollment';
import { IssuedCertificateReader, ProfileSettingsReader } from '@scep/persistence-read';
import { type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { RpcClient, TenancyEvents, addJob, queueModule, queueRootModule } from '@scep/transport';
import { EnrollmentOutcomesProcessor } from '../outcomes/enrollment-outcomes.processor';
import { ProfileSettingsCache } from '../profiles/profile-settings.cache';
import { PolicyRulesStore } from '../rules/policy-rules.store';
import { IntuneOutcomeNotifier } from '../intune/intune-outcome.notifier';
import { ApprovalService } from './approval.service';
import { DryRunService } from './dry-run.service';
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
      signerCertificateFingerprint: hex(),
      issuingCaId: caId,
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
      providers: [
        EnrollmentTransactionRepository,
        ProfileSettingsReader,
        ProfileSettingsCache,
        IssuedCertificateReader,
        PolicyRulesStore,
        TenancyEvents,
        SigningQueueProducer,
        EnrollmentService,
        ApprovalService,
        DryRunService,
        IntuneOutcomeNotifier,
        RpcClient,
        EnrollmentOutcomesProcessor,
      ],
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
    expect(row?.decision.rules.find((r) => r.rule === 'key')).toMatchObject({ passed: false, detail: expect.stringContaining('rsa-1024') });
    expect(row?.decision.policyVersion).toBe(0);
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

  describe('renewal and transaction identity', () => {
    /** A certificate row as the signer would have stored it. */
    const storeIssued = async (serialHex: string, revoked = false) => {
      await dataSource.query(
        `INSERT INTO issuance.certificate_authorities (id, tenant_id, name, subject, certificate_der, key_spec, not_before, not_after)
           VALUES ($1, $2, 'ca', 'CN=ca', '\\x00', 'rsa-2048', now() - interval '1 day', now() + interval '10 years') ON CONFLICT DO NOTHING`,
        [caId, tenantId],
      );
      await dataSource.query(
        `INSERT INTO issuance.certificates (id, tenant_id, ca_id, profile_id, enrollment_id, serial_hex, subject, not_before, not_after, certificate_der, revoked_at)
           VALUES (gen_random_uuid(), $2, $1, $3, gen_random_uuid(), $4, 'CN=device', now() - interval '1 day', now() + interval '300 days', '\\x00', $5)`,
        [caId, tenantId, profileId, serialHex, revoked ? new Date() : null],
      );
    };
    const renewalOf = (serialHex: string, overrides: Record<string, string> = {}) => ({
      caId,
      serialHex,
      subject: 'CN=device',
      notBefore: new Date(Date.now() - 86400_000).toISOString(),
      notAfter: new Date(Date.now() + 300 * 86400_000).toISOString(),
      ...overrides,
    });

    it('starts a new transaction when the same key renews under its first transactionID (micromdm), keeping the old one on record', async () => {
      const first = request();
      await service.submit(first);
      const old = await moduleRef.get(EnrollmentTransactionRepository).findLive(tenantId, profileId, first.transactionId);
      await dataSource.query(`UPDATE enrollment.transactions SET status = 'issued', certificate_der = '\\x01', certificate_serial = '0A' WHERE id = $1`, [old?.id]);
      await storeIssued('0A');
      const renewal = { ...first, messageType: 17, signerCertificateFingerprint: hex(), renewal: renewalOf('0A') };
      const state = await service.submit(renewal);
      expect(state.state).toBe('queued');
      const rows = await dataSource.query(`SELECT id, superseded_at, renewal_of_serial FROM enrollment.transactions WHERE transaction_id = $1 ORDER BY created_at`, [first.transactionId]);
      expect(rows).toHaveLength(2);
      expect(rows[0].superseded_at).not.toBeNull();
      expect(rows[1]).toMatchObject({ superseded_at: null, renewal_of_serial: '0A' });
      // A resend of the renewal is the renewal again, not the first enrollment.
      expect(await service.submit({ ...renewal })).toEqual(state);
    });

    it('answers a completed transaction again only for the same CSR and within a week (scep-protocol.md §9.4)', async () => {
      const first = request();
      await service.submit(first);
      const row = await moduleRef.get(EnrollmentTransactionRepository).findLive(tenantId, profileId, first.transactionId);
      await dataSource.query(`UPDATE enrollment.transactions SET status = 'issued', certificate_der = '\\x02', certificate_serial = '0B', completed_at = now() WHERE id = $1`, [row?.id]);
      expect(await service.submit({ ...first })).toMatchObject({ state: 'issued', serialHex: '0B' });
      // Another CSR from the same key under the same transactionID: a new request.
      expect((await service.submit({ ...first, csrFingerprint: hex() })).state).toBe('queued');
      // A transaction completed more than a week ago: the same key re-enrolling is a new request too.
      const later = request();
      await service.submit(later);
      const old = await moduleRef.get(EnrollmentTransactionRepository).findLive(tenantId, profileId, later.transactionId);
      await dataSource.query(`UPDATE enrollment.transactions SET status = 'issued', certificate_der = '\\x03', certificate_serial = '0C', completed_at = now() - interval '8 days' WHERE id = $1`, [old?.id]);
      expect((await service.submit({ ...later })).state).toBe('queued');
    });

    it('refuses another signer certificate while the first request is still in progress', async () => {
      const first = request();
      await service.submit(first);
      const other = await service.submit({ ...first, signerCertificateFingerprint: hex() });
      expect(other).toMatchObject({ state: 'rejected', failInfo: 'badRequest' });
    });

    it('refuses renewals by unknown or revoked certificates (badCertId) and a RenewalReq without a certificate of ours', async () => {
      expect(await service.submit(request({ messageType: 17, renewal: renewalOf('DEAD01') }))).toMatchObject({ state: 'rejected', failInfo: 'badCertId' });
      await storeIssued('BEEF02', true);
      expect(await service.submit(request({ messageType: 17, renewal: renewalOf('BEEF02') }))).toMatchObject({ state: 'rejected', failInfo: 'badCertId' });
      expect(await service.submit(request({ messageType: 17 }))).toMatchObject({ state: 'rejected', failInfo: 'badRequest' });
    });

    it('applies the profile rules in force: a renewal window set through versioned rules', async () => {
      const store = moduleRef.get(PolicyRulesStore);
      expect((await store.current(tenantId, profileId)).version).toBe(0);
      await storeIssued('C0FFEE');
      expect((await service.submit(request({ renewal: renewalOf('C0FFEE') }))).state).toBe('queued');
      const v1 = await store.set(tenantId, profileId, { renewal: { allowed: true, earliestDaysBeforeExpiry: 30, graceDaysAfterExpiry: 0, requireSameSubject: true } }, 'test');
      expect(v1.version).toBe(1);
      const early = await service.submit(request({ renewal: renewalOf('C0FFEE') }));
      expect(early).toMatchObject({ state: 'rejected', failInfo: 'badRequest', reason: expect.stringContaining('renewal-window') });
      const v2 = await store.set(tenantId, profileId, { renewal: { allowed: false, graceDaysAfterExpiry: 0, requireSameSubject: true } }, 'test');
      expect(v2.version).toBe(2);
      expect(await service.submit(request({ renewal: renewalOf('C0FFEE') }))).toMatchObject({ state: 'rejected', reason: expect.stringContaining('renewal-allowed') });
      await store.set(tenantId, profileId, { renewal: { allowed: true, graceDaysAfterExpiry: 0, requireSameSubject: true } }, 'test');
    });
  });

  it('issues from the CA whose RA the device used: the next CA during a rollover, the active one otherwise', async () => {
    const nextCa = randomUUID();
    const rolling = randomUUID();
    await dataSource.query(
      `INSERT INTO tenancy.profiles (id, tenant_id, slug, status, ca_id, ra_credential_id, next_ca_id, next_ra_credential_id, ca_switch_at, validity_days, sync_wait_ms)
       VALUES ($1, $2, 'rolling', 'active', $3, $4, $5, $4, now() + interval '1 day', 30, 5000)`,
      [rolling, tenantId, caId, randomUUID(), nextCa],
    );
    const toNext = await service.submit(request({ profileId: rolling, issuingCaId: nextCa }));
    const toStranger = await service.submit(request({ profileId: rolling, issuingCaId: randomUUID() }));
    const caOf = async (state: { state: string; jobId?: string }) => (await signingQueue.getJob((state as { jobId: string }).jobId))?.data.caId;
    expect(await caOf(toNext)).toBe(nextCa);
    expect(await caOf(toStranger)).toBe(caId);
  });

  describe('rules in force, manual approval, dry run', () => {
    const ruled = randomUUID();
    const setRules = (rules: object) => moduleRef.get(PolicyRulesStore).set(tenantId, ruled, rules, 'test');
    const submitTo = (overrides: Partial<RpcRequest<typeof EnrollmentSubmit>> = {}) => service.submit(request({ profileId: ruled, ...overrides }));

    beforeAll(async () => {
      await dataSource.query(
        `INSERT INTO tenancy.profiles (id, tenant_id, slug, status, ca_id, ra_credential_id, validity_days, sync_wait_ms)
         VALUES ($1, $2, 'ruled', 'active', $3, $4, 90, 5000)`,
        [ruled, tenantId, caId, randomUUID()],
      );
    });

    it('hands the signer what the rules planned: templated subject, key usage, EKU, validity', async () => {
      await setRules({
        subject: { template: [{ type: 'CN', pattern: 'device-[0-9]+' }, { type: 'O', source: 'fixed', value: 'Acme Devices' }] },
        keyUsage: ['digitalSignature'],
        extendedKeyUsage: ['serverAuth'],
        validityDays: 30,
      });
      const state = await submitTo({ csr: { subject: 'CN=device-42', keyFingerprint: hex(), subjectAltNames: [], keyAlgorithm: 'rsa', keySize: 2048 } });
      expect(state.state).toBe('queued');
      const job = await signingQueue.getJob((state as { jobId: string }).jobId);
      expect(job?.data).toMatchObject({ subjectDn: 'CN=device-42,O=Acme Devices', keyUsage: ['digitalSignature'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.1'], validityDays: 30 });
      const refused = await submitTo({ csr: { subject: 'CN=laptop', keyFingerprint: hex(), subjectAltNames: [], keyAlgorithm: 'rsa', keySize: 2048 } });
      expect(refused).toMatchObject({ state: 'rejected', failInfo: 'badRequest', reason: expect.stringContaining('subject-CN') });
    });

    it('refuses a duplicate while a valid certificate with the subject exists', async () => {
      await setRules({ duplicates: 'refuse-while-valid' });
      await dataSource.query(
        `INSERT INTO issuance.certificate_authorities (id, tenant_id, name, subject, certificate_der, key_spec, not_before, not_after)
           VALUES ($1, $2, 'ca', 'CN=ca', '\\x00', 'rsa-2048', now() - interval '1 day', now() + interval '10 years') ON CONFLICT DO NOTHING`,
        [caId, tenantId],
      );
      await dataSource.query(
        `INSERT INTO issuance.certificates (id, tenant_id, ca_id, profile_id, enrollment_id, serial_hex, subject, not_before, not_after, certificate_der)
         VALUES (gen_random_uuid(), $1, $2, $3, gen_random_uuid(), 'D0D0', 'CN=twin', now(), now() + interval '30 days', '\\x00')`,
        [tenantId, caId, ruled],
      );
      const twin = { subject: 'CN=twin', keyFingerprint: hex(), subjectAltNames: [], keyAlgorithm: 'rsa', keySize: 2048 };
      expect(await submitTo({ csr: twin })).toMatchObject({ state: 'rejected', reason: expect.stringContaining('duplicates') });
      expect((await submitTo({ csr: { ...twin, subject: 'CN=single' } })).state).toBe('queued');
    });

    it('keeps a manual-approval request pending until an operator approves it, then signs it; a resend stays pending meanwhile', async () => {
      await setRules({ approval: { mode: 'manual', pendingTtlHours: 1 } });
      const req = request({ profileId: ruled });
      expect(await service.submit(req)).toEqual({ state: 'pending' });
      expect(await service.submit({ ...req })).toEqual({ state: 'pending' });
      const [pending] = (await moduleRef.get(EnrollmentTransactionRepository).find(tenantId, { profileId: ruled, status: 'pending', limit: 10 })).filter((r) => r.transactionId === req.transactionId);
      expect(pending?.pendingUntil?.getTime()).toBeGreaterThan(Date.now() + 3500_000);
      expect(await signingQueue.getJob(JobIds.signCertificate(tenantId, pending?.id as string))).toBeUndefined();

      const decided = await moduleRef.get(ApprovalService).decide({ tenantId, enrollmentId: pending?.id as string, verdict: 'approve', actor: 'api-key:ops' });
      expect(decided).toMatchObject({ result: 'decided', enrollment: { status: 'queued', decidedBy: 'api-key:ops', decision: { approver: 'api-key:ops' } } });
      expect(await signingQueue.getJob(JobIds.signCertificate(tenantId, pending?.id as string))).toBeDefined();
      expect((await service.status({ tenantId, profileId: ruled, transactionId: req.transactionId, signerFingerprint: req.signerFingerprint })).state).toBe('queued');
      // Deciding twice changes nothing.
      expect(await moduleRef.get(ApprovalService).decide({ tenantId, enrollmentId: pending?.id as string, verdict: 'reject', actor: 'x' })).toEqual({ result: 'not-pending', status: 'queued' });
    });

    it('answers FAILURE badRequest after a rejection and badCertId after the approval window expires', async () => {
      await setRules({ approval: { mode: 'manual', pendingTtlHours: 1 } });
      const rejectedReq = request({ profileId: ruled });
      await service.submit(rejectedReq);
      const row = await moduleRef.get(EnrollmentTransactionRepository).findLive(tenantId, ruled, rejectedReq.transactionId);
      await moduleRef.get(ApprovalService).decide({ tenantId, enrollmentId: row?.id as string, verdict: 'reject', actor: 'api-key:ops', reason: 'unknown device' });
      expect(await service.status({ tenantId, profileId: ruled, transactionId: rejectedReq.transactionId, signerFingerprint: rejectedReq.signerFingerprint })).toMatchObject({
        state: 'rejected',
        failInfo: 'badRequest',
        reason: 'rejected by operator: unknown device',
      });

      const lateReq = request({ profileId: ruled });
      await service.submit(lateReq);
      await dataSource.query(`UPDATE enrollment.transactions SET pending_until = now() - interval '1 second' WHERE transaction_id = $1`, [lateReq.transactionId]);
      expect(await service.status({ tenantId, profileId: ruled, transactionId: lateReq.transactionId, signerFingerprint: lateReq.signerFingerprint })).toMatchObject({ state: 'rejected', failInfo: 'badCertId' });
      const late = await moduleRef.get(EnrollmentTransactionRepository).findLive(tenantId, ruled, lateReq.transactionId);
      expect(late?.status).toBe('expired');
      expect(await moduleRef.get(ApprovalService).decide({ tenantId, enrollmentId: late?.id as string, verdict: 'approve', actor: 'x' })).toEqual({ result: 'not-pending', status: 'expired' });
    });

    it('dry-runs a CSR: the decision and the planned certificate, recording nothing', async () => {
      await setRules({ subject: { template: [{ type: 'CN' }, { type: 'O', source: 'fixed', value: 'Acme' }] }, keys: { rsa: { minBits: 3072 } } });
      const csrDer = spawnSync('sh', ['-c', 'openssl req -new -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=dry-device -outform DER 2>/dev/null']).stdout as Buffer;
      const before = Number((await dataSource.query(`SELECT count(*) AS n FROM enrollment.transactions`))[0].n);
      const result = await moduleRef.get(DryRunService).run({ tenantId, profileId: ruled, csrDer: csrDer.toString('base64') });
      expect(result).toMatchObject({ outcome: 'reject', failInfo: 'badRequest', reason: expect.stringContaining('key:') });
      expect(result.rules.find((r) => r.rule === 'key')).toMatchObject({ passed: false, detail: expect.stringContaining('rsa-2048') });
      expect(result.certificate).toMatchObject({ subject: 'CN=dry-device,O=Acme' });
      expect(Number((await dataSource.query(`SELECT count(*) AS n FROM enrollment.transactions`))[0].n)).toBe(before);
      expect(await moduleRef.get(DryRunService).run({ tenantId, profileId: ruled, csrDer: Buffer.from('junk').toString('base64') })).toMatchObject({ outcome: 'reject', reason: 'csr: malformed_csr' });
    });
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
