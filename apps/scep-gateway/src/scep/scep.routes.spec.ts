import Fastify from 'fastify';
import { MessageType, PkiStatus } from '@scep/codec';
import { ServiceMetrics } from '@scep/telemetry';
import type { ScepEndpoint } from '../endpoints/scep-endpoint';
import type { ScepExchange } from '../metrics/scep-exchange';
import { ScepMetrics } from '../metrics/scep-metrics';
import type { ScepHttpService } from './scep-http.service';
import type { ScepRequest } from './scep-request';
import { registerScepRoutes } from './scep.routes';

/** Every answer of the SCEP routes is counted exactly once, whichever way it is produced. */
describe('SCEP routes: one count per answer', () => {
  const endpoint = { tenantSlug: 'acme', profileSlug: 'laptops' } as ScepEndpoint;
  const service = new ServiceMetrics({ tenantLabels: true });
  const metrics = new ScepMetrics(service);
  const scep = {
    async handle(_tenant: string, _profile: string, request: ScepRequest, exchange: ScepExchange) {
      exchange.endpoint = endpoint;
      if (request.rawQuery.includes('boom')) throw new Error('a bug');
      exchange.setOperation('PKIOperation');
      exchange.setMessageType(MessageType.PKCSReq);
      exchange.setAnswer(PkiStatus.Pending);
      return { status: 200, contentType: 'application/x-pki-message', body: Buffer.from('certrep') };
    },
  } as unknown as ScepHttpService;
  const app = Fastify({ bodyLimit: 1024 });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  registerScepRoutes(app, scep, metrics);

  afterAll(() => app.close());

  const requests = async () =>
    (await service.registry.metrics())
      .split('\n')
      .filter((l) => l.startsWith('scep_requests_total{'))
      .sort();

  it('counts a CertRep, a 405, a handler bug (500) and a body refused before the handler (413), each once', async () => {
    expect((await app.inject({ method: 'POST', url: '/scep/acme/laptops/pkiclient.exe', payload: Buffer.from('x') })).statusCode).toBe(200);
    expect((await app.inject({ method: 'PUT', url: '/scep/acme/laptops' })).statusCode).toBe(405);
    expect((await app.inject({ method: 'GET', url: '/scep/acme/laptops?operation=boom' })).statusCode).toBe(500);
    expect((await app.inject({ method: 'POST', url: '/scep/acme/laptops', payload: Buffer.alloc(4096) })).statusCode).toBe(413);
    expect(await requests()).toEqual([
      'scep_requests_total{operation="PKIOperation",message_type="PKCSReq",pki_status="PENDING",fail_info="none",http_status="200",tenant="acme",profile="laptops"} 1',
      'scep_requests_total{operation="none",message_type="none",pki_status="none",fail_info="none",http_status="405",tenant="",profile=""} 1',
      'scep_requests_total{operation="none",message_type="none",pki_status="none",fail_info="none",http_status="413",tenant="",profile=""} 1',
      'scep_requests_total{operation="none",message_type="none",pki_status="none",fail_info="none",http_status="500",tenant="acme",profile="laptops"} 1',
    ]);
  });

  it('reads the body raw whatever the Content-Type says: empty, malformed, form or JSON types are no 415', async () => {
    for (const contentType of ['', 'garbage', 'x/x/x/x', 'application/x-www-form-urlencoded', 'application/json', 'multipart/form-data; boundary=x']) {
      const reply = await app.inject({ method: 'POST', url: '/scep/acme/laptops', payload: Buffer.from('pkimessage'), headers: { 'content-type': contentType } });
      expect({ contentType, status: reply.statusCode }).toEqual({ contentType, status: 200 });
    }
  });
});
