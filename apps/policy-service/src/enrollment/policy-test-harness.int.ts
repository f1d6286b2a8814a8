// Test support for the policy service's integration specs: the service's real provider graph over a fresh database,
// real BullMQ and NATS; a stand-in challenge service (a real NATS RPC server) and a stand-in signer (a real BullMQ
// worker that checks approvals with the shared key, stores a certificate row and reports the outcome over NATS).
import { testApprovalSecret, testRun } from '../test-env.int';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { UnrecoverableError, Worker } from 'bullmq';
import type { DataSource } from 'typeorm';
import { ChallengeVerify, ChallengeNotifyOutcome, type EnrollmentSubmit, Queues, type RpcRequest, SignCertificate, type SigningOutcome } from '@scep/contracts';
import { databaseRootModule } from '@scep/persistence-core';
import { enrollmentEntities } from '@scep/persistence-enrollment';
import { spkiFingerprint } from '@scep/pki';
import { approvalIsAuthentic, deriveApprovalKeys, signOutcome } from '@scep/signing-approval';
import { buildCsr, nameOf } from '@scep/testing';
import { NatsConnection, RpcHandler, rpcServerStrategy } from '@scep/transport';
import { queueModule, queueRootModule } from '@scep/queues';
import { PolicyModule } from '../policy.module';

/** What the stand-in challenge service was asked, and what it answers. */
export const challengeCalls: Array<RpcRequest<typeof ChallengeVerify>> = [];
export const intuneNotifications: Array<RpcRequest<typeof ChallengeNotifyOutcome>> = [];
export const WRONG_CHALLENGE = 'wrong-challenge';

@Controller()
class StandInChallengeController {
  @RpcHandler(ChallengeVerify)
  async verify(request: RpcRequest<typeof ChallengeVerify>) {
    challengeCalls.push(request);
    return request.challenge === WRONG_CHALLENGE ? { decision: 'reject' as const, reason: 'mismatch' as const } : { decision: 'accept' as const };
  }

  @RpcHandler(ChallengeNotifyOutcome)
  async notify(request: RpcRequest<typeof ChallengeNotifyOutcome>) {
    intuneNotifications.push(request);
    return { queued: true };
  }
}

@Module({ controllers: [StandInChallengeController] })
class StandInChallengeModule {}

/** How the stand-in signer behaves for the next jobs. */
export const signerBehaviour = { reportOutcome: true, fail: false };
export const signedJobs: string[] = [];

export interface Device {
  readonly key: KeyObject;
  readonly spkiDer: Buffer;
}

export function makeDevice(bits = 2048): Device {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { key: privateKey, spkiDer: publicKey.export({ type: 'spki', format: 'der' }) };
}

export class PolicyHarness {
  moduleRef!: TestingModule;
  dataSource!: DataSource;
  private challenge?: INestMicroservice;
  private signer?: Worker;
  private readonly nats = new NatsConnection();
  private readonly keys = deriveApprovalKeys(testApprovalSecret);
  readonly tenantId = randomUUID();
  readonly caId = randomUUID();

  async start(databaseUrl: string): Promise<void> {
    process.env.DATABASE_URL = databaseUrl;
    const challengeRef = await Test.createTestingModule({ imports: [StandInChallengeModule] }).compile();
    this.challenge = challengeRef.createNestMicroservice(rpcServerStrategy('challenge-service'));
    await this.challenge.listen();
    this.moduleRef = await Test.createTestingModule({ imports: [PolicyModule] }).compile();
    this.moduleRef.useLogger(false);
    await this.moduleRef.init();
    this.dataSource = this.moduleRef.get(getDataSourceToken());
    await this.startSigner();
    await this.dataSource.query(`INSERT INTO tenancy.tenants (id, slug, display_name) VALUES ($1, 'acme', 'Acme')`, [this.tenantId]);
    await this.dataSource.query(
      `INSERT INTO issuance.certificate_authorities (id, tenant_id, name, subject, certificate_der, key_spec, not_before, not_after)
         VALUES ($1, $2, 'ca', 'CN=ca', '\\x00', 'rsa-2048', now() - interval '1 day', now() + interval '10 years')`,
      [this.caId, this.tenantId],
    );
  }

  /** A stand-in signer: the approval check the real one makes, a certificate row, the outcome to `replyTo`. */
  async startSigner(): Promise<void> {
    const connection = await this.nats.get();
    this.signer = new Worker(
      Queues.certificateSigning,
      async (job) => {
        const { approval, mac, replyTo } = SignCertificate.payload.parse(job.data);
        if (!approvalIsAuthentic(this.keys, approval, mac)) throw new Error('forged');
        signedJobs.push(approval.enrollmentId);
        if (signerBehaviour.fail) {
          // As the real signer does for a final failure: the job fails for good and its owner is told (unless lost).
          const outcome: SigningOutcome = { kind: 'failed', tenantId: approval.tenantId, profileId: approval.profileId, enrollmentId: approval.enrollmentId, reason: 'ca-expired' };
          if (signerBehaviour.reportOutcome) connection.publish(replyTo, Buffer.from(JSON.stringify({ outcome, mac: signOutcome(this.keys, outcome) })));
          throw new UnrecoverableError('ca-expired');
        }
        const serialHex = randomBytes(8).toString('hex').toUpperCase().replace(/^0+/, '');
        await this.dataSource.query(
          `INSERT INTO issuance.certificates (id, tenant_id, ca_id, profile_id, enrollment_id, serial_hex, subject, not_before, not_after, certificate_der)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now() + interval '30 days', $8) ON CONFLICT (tenant_id, enrollment_id) DO NOTHING`,
          [randomUUID(), approval.tenantId, approval.caId, approval.profileId, approval.enrollmentId, serialHex, approval.plan.subject, Buffer.from(`cert:${approval.enrollmentId}`)],
        );
        const [stored] = await this.dataSource.query(`SELECT serial_hex, certificate_der, not_after FROM issuance.certificates WHERE tenant_id = $1 AND enrollment_id = $2`, [approval.tenantId, approval.enrollmentId]);
        const outcome: SigningOutcome = {
          kind: 'issued',
          tenantId: approval.tenantId,
          profileId: approval.profileId,
          enrollmentId: approval.enrollmentId,
          serialHex: stored.serial_hex,
          certificateDer: (stored.certificate_der as Buffer).toString('base64'),
          notAfter: (stored.not_after as Date).toISOString(),
        };
        if (signerBehaviour.reportOutcome) connection.publish(replyTo, Buffer.from(JSON.stringify({ outcome, mac: signOutcome(this.keys, outcome) })));
        return { serialHex: outcome.serialHex };
      },
      { connection: { url: process.env.REDIS_URL, maxRetriesPerRequest: null }, prefix: testRun, concurrency: 4 },
    );
    await this.signer.waitUntilReady();
  }

  async stopSigner(): Promise<void> {
    await this.signer?.close();
    this.signer = undefined;
  }

  /** Publishes a raw message on a subject (forged outcomes). */
  async publish(subject: string, body: unknown): Promise<void> {
    (await this.nats.get()).publish(subject, Buffer.from(JSON.stringify(body)));
  }

  signOutcome(outcome: SigningOutcome): string {
    return signOutcome(this.keys, outcome);
  }

  async profile(options: { status?: string; syncWaitMs?: number; validityDays?: number; mode?: string; next?: { caId: string } } = {}): Promise<string> {
    const id = randomUUID();
    await this.dataSource.query(
      `INSERT INTO tenancy.profiles (id, tenant_id, slug, status, ca_id, ra_credential_id, validity_days, sync_wait_ms, next_ca_id, next_ra_credential_id, ca_switch_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        id, this.tenantId, `p-${id.slice(0, 8)}`, options.status ?? 'active', this.caId, options.status === 'provisioning' ? null : randomUUID(),
        options.validityDays ?? 30, options.syncWaitMs ?? 3000, options.next?.caId ?? null, options.next ? randomUUID() : null, options.next ? new Date(Date.now() + 86_400_000) : null,
      ],
    );
    if (options.mode) {
      const webhook = options.mode === 'webhook' ? ['https://hooks.example.test/scep', Buffer.from('wrapped'), 1000] : [null, null, null];
      await this.dataSource.query(
        `INSERT INTO challenge.profile_settings (tenant_id, profile_id, mode, webhook_url, webhook_secret_wrapped, webhook_timeout_ms) VALUES ($1, $2, $3, $4, $5, $6)`,
        [this.tenantId, id, options.mode, ...webhook],
      );
    }
    return id;
  }

  /** A PKCSReq as the gateway would pass it on: a real CSR signed by `device`, the signer being the device's key. */
  request(
    profileId: string,
    device: Device,
    options: { subject?: string[]; challenge?: string; dnsNames?: string[]; transactionId?: string; signerKey?: Device } & Partial<RpcRequest<typeof EnrollmentSubmit>> = {},
  ): RpcRequest<typeof EnrollmentSubmit> {
    const { subject, challenge, dnsNames, signerKey, ...overrides } = options;
    const csrDer = buildCsr({ subjectDer: nameOf(...(subject ?? ['device', 'Acme'])), spkiDer: device.spkiDer, key: device.key, challenge: challenge ?? 'the-static-challenge', dnsNames });
    const signerFingerprint = spkiFingerprint((signerKey ?? device).spkiDer);
    return {
      tenantId: this.tenantId,
      profileId,
      transactionId: `tx-${randomUUID()}`,
      messageType: 19,
      csrDer: csrDer.toString('base64'),
      signerFingerprint,
      signerCertificateFingerprint: createHash('sha256').update(`key|${signerFingerprint}`).digest('hex'),
      issuingCaId: this.caId,
      requestCipher: 'aes-256-cbc',
      requestDigest: 'sha256',
      clientAddress: '192.0.2.10',
      ...overrides,
    };
  }

  async stop(): Promise<void> {
    await this.stopSigner();
    await this.moduleRef?.close();
    await this.challenge?.close();
    await this.nats.onApplicationShutdown();
  }
}

/** Polls `probe` until it returns something defined (bounded). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}
