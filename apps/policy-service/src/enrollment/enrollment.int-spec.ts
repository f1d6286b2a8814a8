import { testRun } from '../test-env.int';
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { JobIds, Queues, signingOutcomeSubject } from '@scep/contracts';
import { EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { ServiceMetrics } from '@scep/telemetry';
import { type HeldTestCertificate, type TestDatabase, createTestDatabase, deleteRedisPrefix, issueTestCertificate, signedTestRequest, testCa } from '@scep/testing';
import { spkiFingerprint } from '@scep/pki';
import { PolicyRulesStore } from '../rules/policy-rules.store';
import { SigningOutcomesListener } from '../signing/signing-outcomes.listener';
import { SigningReconciler } from '../signing/signing-reconciler';
import { SigningReplica } from '../signing/signing-replica';
import { ApprovalService } from './approval.service';
import { DryRunService } from './dry-run.service';
import { EnrollmentService } from './enrollment.service';
import { type Device, PolicyHarness, WRONG_CHALLENGE, challengeCalls, eventually, intuneNotifications, makeDevice, signedJobs, signerBehaviour } from './policy-test-harness.int';

describe('enrollment path (policy service over real PostgreSQL, BullMQ and NATS; stand-in challenge service and signer)', () => {
  const harness = new PolicyHarness();
  let db: TestDatabase;
  let service: EnrollmentService;
  let transactions: EnrollmentTransactionRepository;
  let signingQueue: Queue;
  let profileId: string;
  let device: Device;
  let other: Device;

  beforeAll(async () => {
    db = await createTestDatabase();
    await harness.start(db.url);
    service = harness.moduleRef.get(EnrollmentService);
    transactions = harness.moduleRef.get(EnrollmentTransactionRepository);
    signingQueue = harness.moduleRef.get(getQueueToken(Queues.certificateSigning));
    profileId = await harness.profile();
    [device, other] = [makeDevice(), makeDevice()];
  }, 60_000);

  afterAll(async () => {
    await harness.stop();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  beforeEach(() => {
    signerBehaviour.reportOutcome = true;
    signerBehaviour.fail = false;
  });

  const q = (sql: string, params: unknown[] = []) => harness.dataSource.query(sql, params);
  const liveRows = async (transactionId: string) => Number((await q(`SELECT count(*) AS n FROM enrollment.transactions WHERE transaction_id = $1`, [transactionId]))[0].n);
  const certificatesOfProfile = async (profile: string) => Number((await q(`SELECT count(*) AS n FROM issuance.certificates WHERE profile_id = $1`, [profile]))[0].n);
  const certificatesOf = async (enrollmentId: string) => Number((await q(`SELECT count(*) AS n FROM issuance.certificates WHERE enrollment_id = $1`, [enrollmentId]))[0].n);
  const rowOf = (profile: string, transactionId: string) => transactions.findLive(harness.tenantId, profile, transactionId);
  const statusOf = async (profile: string, transactionId: string) => (await rowOf(profile, transactionId))?.status;
  const recordedIssued = (profile: string, transactionId: string) => eventually(async () => ((await statusOf(profile, transactionId)) === 'issued' ? true : undefined));

  describe('the outcome comes back through its owner, once', () => {
    it('decides, has the challenge checked, gets the certificate signed and answers with it within the sync-wait', async () => {
      const req = harness.request(profileId, device);
      const state = await service.submit(req);
      expect(state).toMatchObject({ state: 'issued', serialHex: expect.stringMatching(/^[0-9A-F]+$/) });
      const row = await rowOf(profileId, req.transactionId);
      expect(row?.decision.rules.every((r) => r.passed)).toBe(true);
      expect(row?.decision.plan).toMatchObject({ subject: 'O=Acme,CN=device', keyUsage: ['digitalSignature', 'keyEncipherment'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'], validityDays: 30 });
      expect(row?.clientAddress).toBe('192.0.2.10');
      expect(await recordedIssued(profileId, req.transactionId)).toBe(true);
      expect((await rowOf(profileId, req.transactionId))?.certificateSerial).toBe(state.state === 'issued' ? state.serialHex : '');
      expect(await certificatesOf(row?.id as string)).toBe(1);
      // The job is gone once done (the certificate is the signer's record), and the challenge was asked without the CSR.
      expect(await signingQueue.getJob(JobIds.signCertificate(harness.tenantId, row?.id as string))).toBeUndefined();
      const asked = challengeCalls.find((c) => c.transactionId === req.transactionId);
      expect(asked).toMatchObject({ challenge: 'the-static-challenge', csr: { subject: 'O=Acme,CN=device' }, clientAddress: '192.0.2.10' });
      expect(asked?.csrDer).toBeUndefined();
    });

    it('answers a resend from the stored state: the same certificate, no second record, job or challenge check', async () => {
      const req = harness.request(profileId, device);
      const first = await service.submit(req);
      await recordedIssued(profileId, req.transactionId);
      const checks = challengeCalls.length;
      const signed = signedJobs.length;
      expect(await service.submit({ ...req })).toEqual(first);
      expect(await liveRows(req.transactionId)).toBe(1);
      expect(challengeCalls.length).toBe(checks);
      expect(signedJobs.length).toBe(signed);
    });

    it('records ten concurrent identical requests as one transaction and one certificate', async () => {
      const req = harness.request(profileId, device);
      const states = await Promise.all(Array.from({ length: 10 }, () => service.submit({ ...req })));
      const issued = states.filter((s) => s.state === 'issued');
      expect(issued.length).toBeGreaterThan(0);
      expect(new Set(issued.map((s) => (s.state === 'issued' ? s.serialHex : '')))).toEqual(new Set([issued[0]?.state === 'issued' ? issued[0].serialHex : '']));
      expect(states.every((s) => s.state === 'issued' || s.state === 'pending')).toBe(true);
      expect(await liveRows(req.transactionId)).toBe(1);
      const row = await rowOf(profileId, req.transactionId);
      expect(await certificatesOf(row?.id as string)).toBe(1);
    });

    it('refuses the same transactionID from another key, and a request whose signer is not the CSR key (proof of possession)', async () => {
      const req = harness.request(profileId, device);
      await service.submit(req);
      const hijack = harness.request(profileId, other, { transactionId: req.transactionId });
      expect(await service.submit(hijack)).toMatchObject({ state: 'rejected', failInfo: 'badRequest', reason: 'transactionID already used by another key' });
      expect(await liveRows(req.transactionId)).toBe(1);
      const noPop = harness.request(profileId, device, { signerKey: other });
      expect(await service.submit(noPop)).toMatchObject({ state: 'rejected', failInfo: 'badRequest', reason: 'signer key differs from the CSR key' });
      expect(await liveRows(noPop.transactionId)).toBe(0);
    });

    it('refuses a wrong challenge without recording anything, and a CSR whose signature does not verify (badMessageCheck)', async () => {
      const wrong = harness.request(profileId, device, { challenge: WRONG_CHALLENGE });
      expect(await service.submit(wrong)).toMatchObject({ state: 'rejected', failInfo: 'badRequest', reason: 'challenge mismatch' });
      expect(await liveRows(wrong.transactionId)).toBe(0);
      const tampered = harness.request(profileId, device);
      const der = Buffer.from(tampered.csrDer, 'base64');
      der[der.length - 3] = (der[der.length - 3] as number) ^ 0x44;
      expect(await service.submit({ ...tampered, csrDer: der.toString('base64') })).toMatchObject({ state: 'rejected', failInfo: 'badMessageCheck' });
      expect(await service.submit({ ...tampered, csrDer: Buffer.from('not a csr').toString('base64') })).toMatchObject({ state: 'rejected', failInfo: 'badRequest' });
    });

    it('rejects what the policy refuses, records why, and enqueues nothing', async () => {
      const weak = harness.request(profileId, makeDevice(1024));
      expect(await service.submit(weak)).toMatchObject({ state: 'rejected', failInfo: 'badRequest' });
      const row = await rowOf(profileId, weak.transactionId);
      expect(row?.status).toBe('rejected');
      expect(row?.decision.rules.find((r) => r.rule === 'key')).toMatchObject({ passed: false, detail: expect.stringContaining('rsa-1024') });
      expect(await signingQueue.getJob(JobIds.signCertificate(harness.tenantId, row?.id as string))).toBeUndefined();
    });

    it('sends the CSR itself only to the modes that forward it (webhook, Intune)', async () => {
      const webhookProfile = await harness.profile({ mode: 'webhook' });
      const req = harness.request(webhookProfile, device);
      await service.submit(req);
      expect(challengeCalls.find((c) => c.transactionId === req.transactionId)?.csrDer).toBe(req.csrDer);
    });
  });

  describe('when the signer is slow, an outcome is lost or a job is lost', () => {
    let quick: string;
    beforeAll(async () => {
      quick = await harness.profile({ syncWaitMs: 300 });
    });

    it('answers PENDING when the signer does not answer within the sync-wait, and the certificate at a later poll', async () => {
      await harness.stopSigner();
      const req = harness.request(quick, device);
      expect(await service.submit(req)).toEqual({ state: 'pending' });
      const poll = () => service.status({ tenantId: harness.tenantId, profileId: quick, transactionId: req.transactionId, signerFingerprint: req.signerFingerprint });
      expect(await poll()).toEqual({ state: 'pending' });
      await harness.startSigner();
      const state = await eventually(async () => {
        const s = await poll();
        return s.state === 'issued' ? s : undefined;
      });
      expect(state).toMatchObject({ state: 'issued' });
      expect(await recordedIssued(quick, req.transactionId)).toBe(true);
    });

    it('records a certificate whose outcome message was lost (the reconciler reads the signer\'s table)', async () => {
      signerBehaviour.reportOutcome = false;
      const req = harness.request(quick, device);
      expect(await service.submit(req)).toEqual({ state: 'pending' });
      const row = await rowOf(quick, req.transactionId);
      expect(await eventually(async () => ((await certificatesOf(row?.id as string)) === 1 ? true : undefined))).toBe(true);
      expect(row?.status).toBe('queued');
      // Polled: settled from the table at once.
      expect(await service.status({ tenantId: harness.tenantId, profileId: quick, transactionId: req.transactionId, signerFingerprint: req.signerFingerprint })).toMatchObject({ state: 'issued' });
      expect(await recordedIssued(quick, req.transactionId)).toBe(true);
      // Not polled: the periodic sweep records it.
      const unpolled = harness.request(quick, device);
      await service.submit(unpolled);
      const unpolledRow = await rowOf(quick, unpolled.transactionId);
      await eventually(async () => ((await certificatesOf(unpolledRow?.id as string)) === 1 ? true : undefined));
      await harness.moduleRef.get(SigningReconciler).sweep(new Date(Date.now() + 120_000));
      expect(await recordedIssued(quick, unpolled.transactionId)).toBe(true);
    });

    it('signs again a transaction whose job was lost with Redis, once', async () => {
      await harness.stopSigner();
      const req = harness.request(quick, device);
      expect(await service.submit(req)).toEqual({ state: 'pending' });
      const row = await rowOf(quick, req.transactionId);
      const jobId = JobIds.signCertificate(harness.tenantId, row?.id as string);
      await (await signingQueue.getJob(jobId))?.remove();
      expect(await signingQueue.getJob(jobId)).toBeUndefined();
      await harness.startSigner();
      await harness.moduleRef.get(SigningReconciler).sweep(new Date(Date.now() + 120_000));
      expect(await recordedIssued(quick, req.transactionId)).toBe(true);
      expect(await certificatesOf(row?.id as string)).toBe(1);
    });

    it('answers FAILURE when the signer gives up, and records it', async () => {
      signerBehaviour.fail = true;
      const req = harness.request(profileId, device);
      expect(await service.submit(req)).toMatchObject({ state: 'rejected', failInfo: 'badRequest', reason: 'signing failed' });
      expect(await eventually(async () => ((await statusOf(profileId, req.transactionId)) === 'failed' ? true : undefined))).toBe(true);
      expect((await rowOf(profileId, req.transactionId))?.statusReason).toBe('signing failed: ca-expired');
      // Had the outcome been lost, the failed job is what a poll (or the sweep) reads.
      const lost = harness.request(quick, device);
      signerBehaviour.reportOutcome = false;
      expect(await service.submit(lost)).toEqual({ state: 'pending' });
      const row = await rowOf(quick, lost.transactionId);
      await eventually(async () => ((await (await signingQueue.getJob(JobIds.signCertificate(harness.tenantId, row?.id as string)))?.getState()) === 'failed' ? true : undefined));
      expect(await service.status({ tenantId: harness.tenantId, profileId: quick, transactionId: lost.transactionId, signerFingerprint: lost.signerFingerprint })).toMatchObject({
        state: 'rejected',
        failInfo: 'badRequest',
      });
      expect(await statusOf(quick, lost.transactionId)).toBe('failed');
      expect(await certificatesOf(row?.id as string)).toBe(0);
    });

    it('drops an outcome the signer did not authenticate: nothing is recorded, the refusal is counted', async () => {
      await harness.stopSigner();
      const req = harness.request(quick, device);
      await service.submit(req);
      const row = await rowOf(quick, req.transactionId);
      const forged = { kind: 'issued' as const, tenantId: harness.tenantId, profileId: quick, enrollmentId: row?.id as string, serialHex: '0BAD', certificateDer: 'MIIB', notAfter: new Date().toISOString() };
      const listener = harness.moduleRef.get(SigningOutcomesListener);
      await listener.receive(Buffer.from(JSON.stringify({ outcome: forged, mac: 'A'.repeat(43) + '=' })));
      await listener.receive(Buffer.from('{"not":"an outcome"}'));
      // Over NATS too, on this replica's own subject.
      await harness.publish(harness.moduleRef.get(SigningReplica).replyTo, { outcome: forged, mac: 'B'.repeat(43) + '=' });
      await new Promise((r) => setTimeout(r, 200));
      expect(await statusOf(quick, req.transactionId)).toBe('queued');
      const metrics = await harness.moduleRef.get(ServiceMetrics).registry.metrics();
      expect(metrics).toMatch(/scep_policy_signing_outcomes_refused_total\{reason="forged"\} [2-9]/);
      expect(metrics).toMatch(/scep_policy_signing_outcomes_refused_total\{reason="malformed"\} [1-9]/);
      // The authentic outcome, for the record, is accepted.
      await listener.receive(Buffer.from(JSON.stringify({ outcome: forged, mac: harness.signOutcome(forged) })));
      expect(await recordedIssued(quick, req.transactionId)).toBe(true);
      expect(signingOutcomeSubject(testRun, 'x')).toBe(`${testRun}.policy.signing-outcome.x`);
      await harness.startSigner();
    });
  });

  describe('renewal and transaction identity', () => {
    // The issuance store holds real certificates: the policy service reads the renewed certificate from it and checks
    // the forwarded pkiMessage's signature with it.
    const ca = testCa();
    const ra = issueTestCertificate(ca, { subject: ['RA'] });
    const keyPairOf = (d: Device) => ({ privateKey: d.key, publicKey: createPublicKey(d.key) });

    /** A certificate of `profile` for `holder`, stored as the signer would have stored it. */
    const held = async (profile: string, options: { holder?: Device; dnsNames?: string[]; notAfter?: Date; revoked?: boolean; subject?: string[] } = {}) => {
      const certificate = issueTestCertificate(ca, { key: keyPairOf(options.holder ?? device), dnsNames: options.dnsNames, notAfter: options.notAfter, subject: options.subject });
      const info = certificate.certificate;
      await q(
        `INSERT INTO issuance.certificates (id, tenant_id, ca_id, profile_id, enrollment_id, serial_hex, subject, not_before, not_after, certificate_der, revoked_at)
           VALUES (gen_random_uuid(), $2, $1, $3, gen_random_uuid(), $4, $5, $6, $7, $8, $9)`,
        [harness.caId, harness.tenantId, profile, info.serialHex, info.subject, info.notBefore, info.notAfter, info.der, options.revoked ? new Date() : null],
      );
      return certificate;
    };

    /** A renewal as the gateway passes it on: a CSR for `newKey`, signed as a pkiMessage by the held certificate. */
    const renewalBy = (
      profile: string,
      holder: HeldTestCertificate,
      options: { newKey?: Device; transactionId?: string; dnsNames?: string[]; subject?: string[]; messageType?: number; signedBy?: HeldTestCertificate; claimSerial?: string } = {},
    ) => {
      const messageType = options.messageType ?? 17;
      const overrides = Object.fromEntries(Object.entries({ transactionId: options.transactionId, dnsNames: options.dnsNames, subject: options.subject }).filter(([, v]) => v !== undefined));
      const base = harness.request(profile, options.newKey ?? device, { ...overrides, messageType });
      const signer = options.signedBy ?? holder;
      const signedMessage = signedTestRequest({ signer, recipient: ra.certificate, transactionId: base.transactionId, messageType, messageData: Buffer.from(base.csrDer, 'base64') });
      return {
        ...base,
        signerFingerprint: spkiFingerprint(signer.certificate.spkiDer),
        signerCertificateFingerprint: createHash('sha256').update(`issued|${harness.caId}|${signer.certificate.serialHex}`).digest('hex'),
        renewal: { caId: harness.caId, serialHex: options.claimSerial ?? holder.certificate.serialHex, signedMessage: signedMessage.toString('base64') },
      };
    };

    it('starts a new transaction when the same key renews under its first transactionID (micromdm), keeping the old one on record', async () => {
      const first = harness.request(profileId, device);
      await service.submit(first);
      await recordedIssued(profileId, first.transactionId);
      const certificate = await held(profileId);
      const renewal = renewalBy(profileId, certificate, { transactionId: first.transactionId });
      const state = await service.submit(renewal);
      expect(state.state).toBe('issued');
      const rows = await q(`SELECT id, superseded_at, renewal_of_serial, renewal_seq FROM enrollment.transactions WHERE transaction_id = $1 ORDER BY created_at`, [first.transactionId]);
      expect(rows).toHaveLength(2);
      expect(rows[0].superseded_at).not.toBeNull();
      expect(rows[1]).toMatchObject({ superseded_at: null, renewal_of_serial: certificate.certificate.serialHex, renewal_seq: 1 });
      // A resend of the renewal is the renewal again, not the first enrollment.
      expect(await service.submit({ ...renewal })).toEqual(state);
    });

    it('starts the renewal at once when the first certificate is signed but its record still waits in the batch', async () => {
      const first = harness.request(profileId, device);
      expect((await service.submit(first)).state).toBe('issued');
      const certificate = await held(profileId);
      // No wait for the recorder's batch: micromdm's scepclient renews a few milliseconds after its enrollment.
      expect((await service.submit(renewalBy(profileId, certificate, { transactionId: first.transactionId }))).state).toBe('issued');
      const rows = await q(`SELECT status, superseded_at, certificate_serial FROM enrollment.transactions WHERE transaction_id = $1 ORDER BY created_at`, [first.transactionId]);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ status: 'issued', superseded_at: expect.any(Date), certificate_serial: expect.stringMatching(/^[0-9A-F]+$/) });
    });

    it('answers a completed transaction again only for the same CSR and within a week', async () => {
      const first = harness.request(profileId, device);
      const issued = await service.submit(first);
      await recordedIssued(profileId, first.transactionId);
      expect(await service.submit({ ...first })).toEqual(issued);
      // Another CSR from the same key under the same transactionID: a new request.
      const another = harness.request(profileId, device, { transactionId: first.transactionId, subject: ['device-2', 'Acme'] });
      expect((await service.submit(another)).state).toBe('issued');
      // A transaction completed more than a week ago: the same key re-enrolling is a new request too.
      const later = harness.request(profileId, device);
      await service.submit(later);
      await recordedIssued(profileId, later.transactionId);
      await q(`UPDATE enrollment.transactions SET completed_at = now() - interval '8 days' WHERE transaction_id = $1`, [later.transactionId]);
      expect((await service.submit({ ...later })).state).toBe('issued');
      expect(await liveRows(later.transactionId)).toBe(2);
    });

    it('refuses renewals by unknown or revoked certificates (badCertId) and a RenewalReq without a certificate of ours', async () => {
      const stranger = issueTestCertificate(ca, { key: keyPairOf(device) }); // never stored: not one the CA issued
      expect(await service.submit(renewalBy(profileId, stranger))).toMatchObject({ state: 'rejected', failInfo: 'badCertId', reason: expect.stringContaining('renewal-certificate-known') });
      const revoked = await held(profileId, { revoked: true });
      expect(await service.submit(renewalBy(profileId, revoked))).toMatchObject({ state: 'rejected', failInfo: 'badCertId', reason: expect.stringContaining('renewal-not-revoked') });
      expect(await service.submit(harness.request(profileId, device, { messageType: 17 }))).toMatchObject({ state: 'rejected', failInfo: 'badRequest' });
    });

    it('believes nothing the gateway says about the renewed certificate: the forwarded pkiMessage must be signed with its key, for this transaction', async () => {
      const victim = await held(profileId, { holder: other });
      const attacker = await held(profileId);
      const signedBefore = signedJobs.length;
      // A gateway that names the victim's serial but holds only its own certificate.
      const forged = renewalBy(profileId, victim, { signedBy: attacker });
      expect(await service.submit(forged)).toMatchObject({ state: 'rejected', failInfo: 'badCertId', reason: expect.stringContaining('not signed by the renewed certificate') });
      // A genuine renewal message replayed under another transaction.
      const genuine = renewalBy(profileId, victim, { newKey: other });
      const replayed = { ...harness.request(profileId, other, { messageType: 17 }), signerFingerprint: genuine.signerFingerprint, renewal: genuine.renewal };
      expect(await service.submit(replayed)).toMatchObject({ state: 'rejected', failInfo: 'badCertId', reason: expect.stringContaining('another transaction') });
      expect(await service.submit({ ...genuine, renewal: { ...genuine.renewal, signedMessage: Buffer.from('not a pkiMessage').toString('base64') } })).toMatchObject({
        state: 'rejected',
        failInfo: 'badCertId',
      });
      expect(signedJobs.length).toBe(signedBefore);
    });

    it('renews only within the profile that issued the certificate, or from a profile it lists', async () => {
      // The external review's case: a certificate from a static-challenge profile, used on a manual-approval profile.
      const staticProfile = await harness.profile();
      const manualProfile = await harness.profile();
      const store = harness.moduleRef.get(PolicyRulesStore);
      await store.set(harness.tenantId, manualProfile, { approval: { mode: 'manual' } }, 'test');
      const fromStatic = await held(staticProfile);
      const crossing = await service.submit(renewalBy(manualProfile, fromStatic));
      expect(crossing).toMatchObject({ state: 'rejected', failInfo: 'badCertId', reason: expect.stringContaining('renewal-profile') });
      expect(await certificatesOfProfile(manualProfile)).toBe(0);
      await store.set(harness.tenantId, manualProfile, { approval: { mode: 'manual' }, renewal: { fromProfiles: [`p-${staticProfile.slice(0, 8)}`] } }, 'test');
      expect((await service.submit(renewalBy(manualProfile, fromStatic))).state).toBe('issued');
    });

    it('lets one certificate authenticate one renewal by default: a second is refused, and of concurrent ones only one wins', async () => {
      const certificate = await held(profileId);
      expect((await service.submit(renewalBy(profileId, certificate))).state).toBe('issued');
      expect(await service.submit(renewalBy(profileId, certificate))).toMatchObject({ state: 'rejected', failInfo: 'badRequest', reason: expect.stringContaining('renewal-count') });
      const contested = await held(profileId);
      const states = await Promise.all(Array.from({ length: 6 }, () => service.submit(renewalBy(profileId, contested))));
      expect(states.filter((s) => s.state === 'issued')).toHaveLength(1);
      expect(states.filter((s) => s.state === 'rejected')).toHaveLength(5);
      const slots = await q(`SELECT count(*)::int AS n FROM enrollment.transactions WHERE renewal_of_serial = $1 AND renewal_seq IS NOT NULL`, [contested.certificate.serialHex]);
      expect(slots[0].n).toBe(1);
    });

    it('keeps the subject and SANs; on a manual profile a renewal that may change them waits for an operator', async () => {
      const manual = await harness.profile();
      const store = harness.moduleRef.get(PolicyRulesStore);
      await store.set(harness.tenantId, manual, { approval: { mode: 'manual' }, subjectAltNames: { dns: {} } }, 'test');
      const certificate = await held(manual, { dnsNames: ['a.example.com'] });
      expect(await service.submit(renewalBy(manual, certificate, { dnsNames: ['b.example.com'] }))).toMatchObject({ state: 'rejected', reason: expect.stringContaining('renewal-same-subject-alt-names') });
      expect((await service.submit(renewalBy(manual, certificate, { dnsNames: ['a.example.com'], newKey: makeDevice() }))).state).toBe('issued');
      await store.set(harness.tenantId, manual, { approval: { mode: 'manual' }, subjectAltNames: { dns: {} }, renewal: { requireSameSubjectAltNames: false, maxRenewalsPerCertificate: 5 } }, 'test');
      expect(await service.submit(renewalBy(manual, certificate, { dnsNames: ['b.example.com'] }))).toEqual({ state: 'pending' });
    });

    it('applies the profile rules in force: the default window, and rules set through versions', async () => {
      const store = harness.moduleRef.get(PolicyRulesStore);
      const renewing = await harness.profile();
      expect((await store.current(harness.tenantId, renewing)).version).toBe(0);
      const early = await held(renewing, { notAfter: new Date(Date.now() + 200 * 86_400_000) });
      expect(await service.submit(renewalBy(renewing, early))).toMatchObject({ state: 'rejected', failInfo: 'badRequest', reason: expect.stringContaining('renewal-window') });
      expect((await store.set(harness.tenantId, renewing, { renewal: { earliestDaysBeforeExpiry: null } }, 'test')).version).toBe(1);
      expect((await service.submit(renewalBy(renewing, early))).state).toBe('issued');
      expect((await store.set(harness.tenantId, renewing, { renewal: { allowed: false } }, 'test')).version).toBe(2);
      expect(await service.submit(renewalBy(renewing, await held(renewing)))).toMatchObject({ state: 'rejected', reason: expect.stringContaining('renewal-allowed') });
    });
  });

  it('issues from the CA whose RA the device used: the next CA during a rollover, the active one otherwise', async () => {
    await harness.stopSigner();
    const nextCa = randomUUID();
    const rolling = await harness.profile({ syncWaitMs: 0, next: { caId: nextCa } });
    const toNext = harness.request(rolling, device, { issuingCaId: nextCa });
    const toStranger = harness.request(rolling, device, { issuingCaId: randomUUID() });
    await service.submit(toNext);
    await service.submit(toStranger);
    const caOf = async (transactionId: string) => {
      const row = await rowOf(rolling, transactionId);
      return (await signingQueue.getJob(JobIds.signCertificate(harness.tenantId, row?.id as string)))?.data.approval.caId;
    };
    expect(await caOf(toNext.transactionId)).toBe(nextCa);
    expect(await caOf(toStranger.transactionId)).toBe(harness.caId);
    await harness.startSigner();
  });

  describe('rules in force, manual approval, dry run', () => {
    let ruled: string;
    const setRules = (rules: object) => harness.moduleRef.get(PolicyRulesStore).set(harness.tenantId, ruled, rules, 'test');

    beforeAll(async () => {
      ruled = await harness.profile({ validityDays: 90 });
    });

    it('hands the signer what the rules planned: templated subject (as DER), key usage, EKU, validity', async () => {
      await setRules({
        subject: { template: [{ type: 'CN', pattern: 'device-[0-9]+' }, { type: 'O', source: 'fixed', value: 'Acme Devices' }] },
        keyUsage: ['digitalSignature'],
        extendedKeyUsage: ['serverAuth'],
        validityDays: 30,
      });
      await harness.stopSigner();
      const req = harness.request(ruled, device, { subject: ['device-42'] });
      await service.submit({ ...req, profileId: ruled });
      const row = await rowOf(ruled, req.transactionId);
      const job = await signingQueue.getJob(JobIds.signCertificate(harness.tenantId, row?.id as string));
      expect(job?.data.approval).toMatchObject({
        tenantId: harness.tenantId,
        profileId: ruled,
        caId: harness.caId,
        enrollmentId: row?.id,
        plan: { subject: 'CN=device-42,O=Acme Devices', keyUsage: ['digitalSignature'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.1'], validityDays: 30 },
      });
      expect(row?.decision.subjectSource).toBe('template');
      await harness.startSigner();
      const refused = await service.submit(harness.request(ruled, device, { subject: ['laptop'] }));
      expect(refused).toMatchObject({ state: 'rejected', failInfo: 'badRequest', reason: expect.stringContaining('subject-CN') });
    });

    it('refuses a duplicate while a valid certificate with the subject exists', async () => {
      await setRules({ duplicates: 'refuse-while-valid' });
      await q(
        `INSERT INTO issuance.certificates (id, tenant_id, ca_id, profile_id, enrollment_id, serial_hex, subject, not_before, not_after, certificate_der)
         VALUES (gen_random_uuid(), $1, $2, $3, gen_random_uuid(), 'D0D0', 'O=Acme,CN=twin', now(), now() + interval '30 days', '\\x00')`,
        [harness.tenantId, harness.caId, ruled],
      );
      expect(await service.submit(harness.request(ruled, device, { subject: ['twin', 'Acme'] }))).toMatchObject({ state: 'rejected', reason: expect.stringContaining('duplicates') });
      expect((await service.submit(harness.request(ruled, device, { subject: ['single', 'Acme'] }))).state).toBe('issued');
    });

    it('keeps a manual-approval request pending until an operator approves it, then signs it; a resend stays pending meanwhile', async () => {
      await setRules({ approval: { mode: 'manual', pendingTtlHours: 1 } });
      const req = harness.request(ruled, device);
      expect(await service.submit(req)).toEqual({ state: 'pending' });
      expect(await service.submit({ ...req })).toEqual({ state: 'pending' });
      const pending = await rowOf(ruled, req.transactionId);
      expect(pending?.status).toBe('pending');
      expect(pending?.pendingUntil?.getTime()).toBeGreaterThan(Date.now() + 3500_000);
      expect(await signingQueue.getJob(JobIds.signCertificate(harness.tenantId, pending?.id as string))).toBeUndefined();

      const decided = await harness.moduleRef.get(ApprovalService).decide({ tenantId: harness.tenantId, enrollmentId: pending?.id as string, verdict: 'approve', actor: 'api-key:ops' });
      expect(decided).toMatchObject({ result: 'decided', enrollment: { status: 'queued', decidedBy: 'api-key:ops', decision: { approver: 'api-key:ops' }, plan: { subject: 'O=Acme,CN=device' } } });
      const state = await eventually(async () => {
        const s = await service.status({ tenantId: harness.tenantId, profileId: ruled, transactionId: req.transactionId, signerFingerprint: req.signerFingerprint });
        return s.state === 'issued' ? s : undefined;
      });
      expect(state).toMatchObject({ state: 'issued' });
      // Deciding twice changes nothing.
      expect(await harness.moduleRef.get(ApprovalService).decide({ tenantId: harness.tenantId, enrollmentId: pending?.id as string, verdict: 'reject', actor: 'x' })).toMatchObject({ result: 'not-pending' });
    });

    it('answers FAILURE badRequest after a rejection and badCertId after the approval window expires', async () => {
      await setRules({ approval: { mode: 'manual', pendingTtlHours: 1 } });
      const rejectedReq = harness.request(ruled, device);
      await service.submit(rejectedReq);
      const row = await rowOf(ruled, rejectedReq.transactionId);
      await harness.moduleRef.get(ApprovalService).decide({ tenantId: harness.tenantId, enrollmentId: row?.id as string, verdict: 'reject', actor: 'api-key:ops', reason: 'unknown device' });
      expect(await service.status({ tenantId: harness.tenantId, profileId: ruled, transactionId: rejectedReq.transactionId, signerFingerprint: rejectedReq.signerFingerprint })).toMatchObject({
        state: 'rejected',
        failInfo: 'badRequest',
        reason: 'rejected by operator: unknown device',
      });
      const lateReq = harness.request(ruled, device);
      await service.submit(lateReq);
      await q(`UPDATE enrollment.transactions SET pending_until = now() - interval '1 second' WHERE transaction_id = $1`, [lateReq.transactionId]);
      expect(await service.status({ tenantId: harness.tenantId, profileId: ruled, transactionId: lateReq.transactionId, signerFingerprint: lateReq.signerFingerprint })).toMatchObject({
        state: 'rejected',
        failInfo: 'badCertId',
      });
      const late = await rowOf(ruled, lateReq.transactionId);
      expect(late?.status).toBe('expired');
      expect(await harness.moduleRef.get(ApprovalService).decide({ tenantId: harness.tenantId, enrollmentId: late?.id as string, verdict: 'approve', actor: 'x' })).toEqual({ result: 'not-pending', status: 'expired' });
    });

    it("answers a resend of an operator's rejection and of an expired approval with the same FAILURE, but decides a rules' refusal again", async () => {
      await setRules({ approval: { mode: 'manual', pendingTtlHours: 1 } });
      const rejectedReq = harness.request(ruled, device);
      await service.submit(rejectedReq);
      const row = await rowOf(ruled, rejectedReq.transactionId);
      await harness.moduleRef.get(ApprovalService).decide({ tenantId: harness.tenantId, enrollmentId: row?.id as string, verdict: 'reject', actor: 'api-key:ops', reason: 'not ours' });
      // scepclient resends its PKCSReq while it polls: the operator's answer stands.
      expect(await service.submit({ ...rejectedReq })).toMatchObject({ state: 'rejected', reason: 'rejected by operator: not ours' });
      const lateReq = harness.request(ruled, device);
      await service.submit(lateReq);
      await q(`UPDATE enrollment.transactions SET pending_until = now() - interval '1 second' WHERE transaction_id = $1`, [lateReq.transactionId]);
      await service.status({ tenantId: harness.tenantId, profileId: ruled, transactionId: lateReq.transactionId, signerFingerprint: lateReq.signerFingerprint });
      expect(await service.submit({ ...lateReq })).toMatchObject({ state: 'rejected', failInfo: 'badCertId' });

      // Refused by the rules (a 2048-bit key where 3072 is the minimum); the operator lowers the minimum; the same
      // request, resent under its transactionID, is decided under the rules now in force.
      await setRules({ keys: { rsa: { minBits: 3072 } } });
      const refusedReq = harness.request(ruled, device);
      expect(await service.submit(refusedReq)).toMatchObject({ state: 'rejected', reason: expect.stringContaining('key') });
      await setRules({});
      expect((await service.submit({ ...refusedReq })).state).toBe('issued');
      expect(await liveRows(refusedReq.transactionId)).toBe(2);
    });

    it('dry-runs a CSR: the decision and the planned certificate, recording nothing', async () => {
      await setRules({ subject: { template: [{ type: 'CN' }, { type: 'O', source: 'fixed', value: 'Acme' }] }, keys: { rsa: { minBits: 3072 } } });
      const csrDer = spawnSync('sh', ['-c', 'openssl req -new -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=dry-device -outform DER 2>/dev/null']).stdout as Buffer;
      const before = Number((await q(`SELECT count(*) AS n FROM enrollment.transactions`))[0].n);
      const result = await harness.moduleRef.get(DryRunService).run({ tenantId: harness.tenantId, profileId: ruled, csrDer: csrDer.toString('base64') });
      expect(result).toMatchObject({ outcome: 'reject', failInfo: 'badRequest', reason: expect.stringContaining('key:') });
      expect(result.rules.find((r) => r.rule === 'key')).toMatchObject({ passed: false, detail: expect.stringContaining('rsa-2048') });
      expect(result.certificate).toMatchObject({ subject: 'CN=dry-device,O=Acme' });
      expect(Number((await q(`SELECT count(*) AS n FROM enrollment.transactions`))[0].n)).toBe(before);
      expect(await harness.moduleRef.get(DryRunService).run({ tenantId: harness.tenantId, profileId: ruled, csrDer: Buffer.from('junk').toString('base64') })).toMatchObject({
        outcome: 'reject',
        reason: 'csr: malformed_csr',
      });
    });
  });

  it('tells Intune what was issued before recording it (Intune profiles)', async () => {
    const intune = await harness.profile({ mode: 'intune' });
    const req = harness.request(intune, device);
    expect((await service.submit(req)).state).toBe('issued');
    expect(await recordedIssued(intune, req.transactionId)).toBe(true);
    expect(intuneNotifications.find((n) => n.transactionId === req.transactionId)).toMatchObject({ outcome: { kind: 'issued' }, csrDer: req.csrDer });
  });

  it('refuses requests for a profile that is not active', async () => {
    const draft = await harness.profile({ status: 'provisioning' });
    expect(await service.submit(harness.request(draft, device))).toMatchObject({ state: 'rejected', failInfo: 'badRequest', reason: 'profile not active' });
  });
});
