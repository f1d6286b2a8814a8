import { bootstrapApiKey, testRun } from '../test-env.int';
import { randomUUID } from 'node:crypto';
import { Controller, type INestMicroservice, type LoggerService, Module } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { UnrecoverableError, Worker } from 'bullmq';
import type { DataSource } from 'typeorm';
import { ChallengeConfigure, PolicySetRules, Queues, type RpcRequest } from '@scep/contracts';
import { TEST_REDIS_URL, type TestDatabase, createTestDatabase, deleteRedisPrefix } from '@scep/testing';
import { RpcHandler, rpcServerStrategy } from '@scep/transport';
import { AdminModule } from '../admin.module';

/** What a signer failure may say: hosts, credentials, SQL. None of it may reach an API answer. */
const RAW_SIGNER_TEXT = 'connect ECONNREFUSED 10.20.30.40:5432 password authentication failed for user "signer" (hunter2)';

/**
 * Stand-ins for the challenge and policy services on this run's RPC namespace: the real server strategy and the
 * refusals those services throw (RpcException with code and field; challenge-rpc.int-spec and the policy service's
 * pattern-check.spec check they do), so the admin API's edge is tested against the wire format it gets.
 */
@Controller()
class RefusingBackends {
  @RpcHandler(ChallengeConfigure)
  configure(request: RpcRequest<typeof ChallengeConfigure>): never {
    if (request.webhook?.url.includes('169.254.169.254')) {
      throw new RpcException({ code: 'INVALID_REQUEST', message: 'webhook URL refused: the host is a link-local address (169.254.0.0/16)', field: 'webhook.url' });
    }
    throw new Error('a bug on the other side: internal detail 42');
  }

  @RpcHandler(PolicySetRules)
  setRules(): never {
    throw new RpcException({ code: 'INVALID_REQUEST', message: 'subject.template.0.pattern: backreferences are not supported', field: 'rules.subject.template.0.pattern' });
  }
}

@Module({ controllers: [RefusingBackends] })
class RefusingBackendsModule {}

/** The stand-ins' thrown errors would otherwise print a stack trace per test. */
const silent: LoggerService = { log: () => undefined, error: () => undefined, warn: () => undefined };

describe('admin API edge: RPC and signer errors become HTTP answers (real PostgreSQL, Redis, NATS)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let backends: INestMicroservice | undefined;
  let signer: Worker;
  let tenantSlug: string;
  const auth = { authorization: `Bearer ${bootstrapApiKey}` };

  const request = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const response = await app.inject({ method, url, headers: auth, payload });
    return { status: response.statusCode, headers: response.headers, body: response.json() as Record<string, unknown>, raw: response.body };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    const moduleRef = await Test.createTestingModule({ imports: [AdminModule] }).setLogger(silent).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    // The signer: fails every job, with its raw text for most and a stable reason code for one subject.
    signer = new Worker(
      Queues.keyManagement,
      async (job) => {
        throw new UnrecoverableError(String(job.data.subjectDn).includes('unencodable') ? 'invalid-subject' : RAW_SIGNER_TEXT);
      },
      { connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null }, prefix: testRun },
    );
    tenantSlug = `t-${randomUUID().slice(0, 8)}`;
    expect((await request('POST', '/v1/tenants', { slug: tenantSlug, displayName: 'Edge tests' })).status).toBe(201);
    const [tenant] = await moduleRef.get<DataSource>(getDataSourceToken()).query(`SELECT id FROM tenancy.tenants WHERE slug = $1`, [tenantSlug]);
    await moduleRef
      .get<DataSource>(getDataSourceToken())
      .query(`INSERT INTO tenancy.profiles (id, tenant_id, slug, status, ca_id, ra_credential_id, validity_days, sync_wait_ms) VALUES ($1, $2, 'wifi', 'active', $3, $4, 365, 5000)`, [
        randomUUID(),
        tenant.id,
        randomUUID(),
        randomUUID(),
      ]);
  }, 60_000);

  afterAll(async () => {
    await backends?.close();
    await signer?.close();
    await app?.close();
    await db?.drop();
    await deleteRedisPrefix(testRun);
  });

  describe('with no challenge or policy service answering (NATS: no responders)', () => {
    it('answers 503 with Retry-After, not 500', async () => {
      const answer = await request('PUT', `/v1/tenants/${tenantSlug}/profiles/wifi/challenge`, { mode: 'dynamic' });
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.body).toEqual({ error: 'unavailable', message: 'a backing service is unavailable, retry later' });
    });
  });

  describe('with services that refuse', () => {
    beforeAll(async () => {
      const ref = await Test.createTestingModule({ imports: [RefusingBackendsModule] }).setLogger(silent).compile();
      backends = ref.createNestMicroservice(rpcServerStrategy('refusing-backends'));
      await backends.listen();
    });

    it('answers a refused webhook URL with 400 naming the field', async () => {
      const answer = await request('PUT', `/v1/tenants/${tenantSlug}/profiles/wifi/challenge`, {
        mode: 'webhook',
        webhook: { url: 'https://169.254.169.254/latest/meta-data', secret: 'a-webhook-secret-0123456789' },
      });
      expect(answer).toMatchObject({
        status: 400,
        body: { error: 'invalid', field: 'webhook.url', message: 'webhook URL refused: the host is a link-local address (169.254.0.0/16)' },
      });
      expect(answer.raw).not.toContain('a-webhook-secret-0123456789');
    });

    it('names a refused policy pattern as the body names it', async () => {
      const answer = await request('PUT', `/v1/tenants/${tenantSlug}/profiles/wifi/policy`, { subject: { template: [{ type: 'CN', pattern: '(a)\\1' }] } });
      expect(answer).toMatchObject({ status: 400, body: { error: 'invalid', field: 'subject.template.0.pattern' } });
    });

    it('answers a remote failure without a code with a generic 500', async () => {
      const answer = await request('PUT', `/v1/tenants/${tenantSlug}/profiles/wifi/challenge`, {
        mode: 'webhook',
        webhook: { url: 'https://hooks.example.com/scep', secret: 'a-webhook-secret-0123456789' },
      });
      expect(answer).toEqual(expect.objectContaining({ status: 500, body: { error: 'internal', message: 'internal error' } }));
      expect(answer.raw).not.toContain('internal detail 42');
    });
  });

  describe('signer failures', () => {
    it('answers a generic signer failure with 500, without the signer text', async () => {
      const answer = await request('POST', `/v1/tenants/${tenantSlug}/cas`, { name: 'edge-ca', subject: 'CN=Edge CA,O=Acme' });
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({ error: 'internal', message: 'internal error' });
      for (const fragment of ['ECONNREFUSED', '10.20.30.40', 'hunter2', 'signer refused']) expect(answer.raw).not.toContain(fragment);
    }, 20_000);

    it('answers a known signer reason code with 400 and the field', async () => {
      const answer = await request('POST', `/v1/tenants/${tenantSlug}/cas`, { name: 'edge-ca-2', subject: 'CN=unencodable' });
      expect(answer).toMatchObject({ status: 400, body: { error: 'invalid', field: 'subject' } });
      expect(answer.raw).not.toContain('invalid-subject');
    }, 20_000);
  });
});
