import '../test-env.int';
import './ocsp-test-env.int';
import { randomBytes, randomUUID } from 'node:crypto';
import { Controller, type INestMicroservice, type LoggerService, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { OcspRespond, type RpcRequest } from '@scep/contracts';
import { derWriter as der, ocspErrorResponse } from '@scep/pki';
import { type TestDatabase, createTestDatabase } from '@scep/testing';
import { RpcHandler, rpcServerStrategy } from '@scep/transport';
import { GatewayModule } from '../gateway.module';
import { gatewayConfig } from '../gateway-config';
import { configureGatewayHttp, gatewayHttpAdapter } from '../http-server';
import { getRequestDer } from './ocsp.routes';

const silent: LoggerService = { log: () => undefined, error: () => undefined, warn: () => undefined };

/** What the stand-in policy service was asked; it answers a fake "signed" response naming the call. */
const asked: Array<RpcRequest<typeof OcspRespond>> = [];

@Controller()
class StandInResponder {
  @RpcHandler(OcspRespond)
  async respond(request: RpcRequest<typeof OcspRespond>) {
    asked.push(request);
    const now = Date.now();
    return {
      result: 'response' as const,
      responseDer: Buffer.from(`response-${asked.length}`).toString('base64'),
      thisUpdate: new Date(now).toISOString(),
      nextUpdate: new Date(now + 3600_000).toISOString(),
      cacheUntil: new Date(now + 1800_000).toISOString(),
    };
  }
}

@Module({ controllers: [StandInResponder] })
class StandInModule {}

/** An OCSP request with one CertID for `serial`, with or without a nonce (what any client sends). */
function ocspRequest(serial: number, nonce?: Buffer): Buffer {
  const certId = der.sequence(der.algorithmIdentifier('1.3.14.3.2.26'), der.octetString(Buffer.alloc(20, 1)), der.octetString(Buffer.alloc(20, 2)), der.integer(serial));
  const extensions = nonce ? [der.tlv(der.contextTag(2, true), der.sequence(der.sequence(der.oid('1.3.6.1.5.5.7.48.1.2'), der.octetString(der.octetString(nonce)))))] : [];
  return der.sequence(der.sequence(der.sequence(der.sequence(certId)), ...extensions));
}

describe('gateway OCSP endpoint (real PostgreSQL, NATS; stand-in policy service)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let responder: INestMicroservice | undefined;
  const tenantId = randomUUID();
  const caId = randomUUID();
  const post = (body: Buffer, tenant = tenantId, ca = caId) =>
    app.inject({ method: 'POST', url: `/ocsp/${tenant}/${ca}`, headers: { 'content-type': 'application/ocsp-request' }, payload: body });

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    const moduleRef = await Test.createTestingModule({ imports: [GatewayModule] }).setLogger(silent).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(gatewayHttpAdapter(gatewayConfig()), { bodyParser: false });
    configureGatewayHttp(app, gatewayConfig());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    dataSource = moduleRef.get(getDataSourceToken());
    await dataSource.query(
      `INSERT INTO issuance.certificate_authorities (id, tenant_id, name, subject, certificate_der, key_spec, not_before, not_after) VALUES ($1, $2, 'ca', 'CN=ca', '\\x3000', 'rsa-2048', now(), now() + interval '1 year')`,
      [caId, tenantId],
    );
  }, 60_000);

  afterAll(async () => {
    await responder?.close();
    await app?.close();
    await db?.drop();
  });

  it('answers 503 with Retry-After and an OCSP tryLater while the responder is not there', async () => {
    const answer = await post(ocspRequest(1));
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.headers['content-type']).toBe('application/ocsp-response');
    expect(answer.rawPayload.equals(ocspErrorResponse('tryLater'))).toBe(true);
  });

  describe('with the responder answering', () => {
    beforeAll(async () => {
      const ref = await Test.createTestingModule({ imports: [StandInModule] }).setLogger(silent).compile();
      responder = ref.createNestMicroservice(rpcServerStrategy('policy-service'));
      await responder.listen();
    });

    it('answers POST and GET (RFC 6960 A.1), caches an answer without a nonce and says how long HTTP caches may keep it', async () => {
      asked.length = 0;
      const request = ocspRequest(2);
      const first = await post(request);
      expect(first.statusCode).toBe(200);
      expect(first.headers['content-type']).toBe('application/ocsp-response');
      expect(first.rawPayload.toString()).toBe('response-1');
      expect(first.headers['cache-control']).toMatch(/^public, max-age=(179[0-9]|1800), no-transform, must-revalidate$/);
      expect(Date.parse(first.headers.expires as string) - Date.now()).toBeGreaterThan(3500_000);
      const get = await app.inject({ method: 'GET', url: `/ocsp/${tenantId}/${caId}/${encodeURIComponent(request.toString('base64'))}` });
      expect(get.statusCode).toBe(200);
      expect(get.rawPayload.toString()).toBe('response-1');
      expect(asked).toHaveLength(1);
      expect(asked[0]).toEqual({ tenantId, caId, requestDer: request.toString('base64') });
    });

    it('asks every time a request has a nonce, and tells HTTP caches not to keep the answer', async () => {
      asked.length = 0;
      const a = await post(ocspRequest(3, randomBytes(16)));
      const b = await post(ocspRequest(3, randomBytes(16)));
      expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
      expect(a.headers['cache-control']).toBe('no-store');
      expect(asked).toHaveLength(2);
    });

    it("drops a CA's cached answers once a revocation moves its generation", async () => {
      asked.length = 0;
      const request = ocspRequest(4);
      await post(request);
      await post(request);
      expect(asked).toHaveLength(1);
      await dataSource.query(`UPDATE issuance.certificate_authorities SET revocation_generation = revocation_generation + 1 WHERE id = $1`, [caId]);
      const deadline = Date.now() + 10_000;
      while (asked.length < 2 && Date.now() < deadline) {
        await post(request);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(asked).toHaveLength(2);
    });

    it.each<[string, () => Promise<{ statusCode: number; headers: Record<string, unknown> }>, number, string | undefined]>([
      ['garbage', () => post(Buffer.from('not an OCSP request')), 400, 'OCSPRequest'],
      ['an empty body', () => post(Buffer.alloc(0)), 400, 'OCSPRequest'],
      ['a GET that is not base64', () => app.inject({ method: 'GET', url: `/ocsp/${tenantId}/${caId}/%25%25%25` }), 400, 'OCSPRequest'],
      ['a request for no certificate', () => post(der.sequence(der.sequence(der.sequence()))), 400, 'tbsRequest.requestList'],
      ['an unknown CA', () => post(ocspRequest(5), tenantId, randomUUID()), 404, undefined],
      ["another tenant's CA", () => post(ocspRequest(5), randomUUID(), caId), 404, undefined],
      ['ids that are not UUIDs', () => post(ocspRequest(5), 'acme' as never, 'ca' as never), 404, undefined],
      ['an oversize body', () => post(Buffer.alloc(17 * 1024, 0x30)), 413, undefined],
      ['PUT', () => app.inject({ method: 'PUT', url: `/ocsp/${tenantId}/${caId}`, payload: 'x' }), 405, undefined],
    ])('refuses %s (%#) without asking the responder', async (_case, send, status, field) => {
      asked.length = 0;
      const answer = await send();
      expect(answer.statusCode).toBe(status);
      if (field) expect(answer.headers['x-ocsp-refused-field']).toBe(field);
      expect(asked).toEqual([]);
    });
  });
});

describe('getRequestDer (GET requests, RFC 6960 A.1)', () => {
  const request = Buffer.from('30 03 02 01 ff'.replace(/ /g, '') + 'fbff'.repeat(20), 'hex'); // base64 with '+' and '/'
  const base64 = request.toString('base64');

  it.each([
    ['percent-encoded', `/ocsp/t/c/${encodeURIComponent(base64)}`],
    ['raw, with "/" and "+" in the path', `/ocsp/t/c/${base64}`],
    ['with a query string', `/ocsp/t/c/${encodeURIComponent(base64)}?x=1`],
  ])('reads a %s request', (_name, url) => {
    expect(base64).toMatch(/[+/]/);
    expect(getRequestDer(url)?.equals(request)).toBe(true);
  });

  it.each([
    ['no request', '/ocsp/t/c/'],
    ['a broken escape', '/ocsp/t/c/%zz'],
    ['not base64', '/ocsp/t/c/not*base64'],
    ['too long', `/ocsp/t/c/${'A'.repeat(30_000)}`],
  ])('returns nothing for %s', (_name, url) => {
    expect(getRequestDer(url)).toBeUndefined();
  });
});
