import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from './gateway-config';
import { gatewayHttpAdapter } from './http-server';

/** One raw HTTP exchange (the HTTP parser's refusals cannot be produced with fetch). */
function exchange(port: number, request: string): Promise<{ status: number; contentType?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined); // EPIPE while the server refuses an oversize request
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = raw.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), contentType: /content-type: ([^\r\n]+)/i.exec(head)?.[1], body });
    });
    socket.setTimeout(10_000, () => reject(new Error('no answer')));
    socket.write(request);
  });
}

describe('gateway HTTP server: refusals before routing are short text/plain, like every other error (gateway fuzz test)', () => {
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    const config = { SCEP_GATEWAY_MAX_BODY_BYTES: 256 * 1024, SCEP_GATEWAY_MAX_HEADER_BYTES: 96 * 1024, } as GatewayConfig;
    app = gatewayHttpAdapter(config).getInstance() as unknown as FastifyInstance;
    app.get('/scep/:tenant/:profile', async () => 'ok');
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['a garbage request line (was Fastify JSON)', 'GARBAGE\u0001 / HTTP/9.9\r\n\r\n', 400],
    ['a request line over the header limit (was Fastify JSON)', `GET /scep/a/b?message=${'A'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ['a %-escape that is not UTF-8 (was JSON echoing the path)', 'GET /scep/%ff%fe/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400],
    ['a path parameter over maxParamLength (was a 414 in JSON echoing the path)', `GET /scep/${'t'.repeat(300)}/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 414],
  ])('%s', async (_name, request, status) => {
    const answer = await exchange(port, request);
    expect(answer.status).toBe(status);
    expect(answer.contentType).toBe('text/plain');
    expect(answer.body.length).toBeLessThan(64);
    expect(answer.body).not.toContain('tttt');
  });

  it('still serves a normal request', async () => {
    const answer = await exchange(port, 'GET /scep/a/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(200);
  });
});
