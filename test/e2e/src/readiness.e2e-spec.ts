import { TEST_NATS_URL } from '@scep/testing';
import { E2eStack, randomChallenge } from './support/e2e-stack';
import { TcpProxy } from './support/tcp-proxy';

const SERVICES = ['scep-gateway', 'admin-api', 'policy-service', 'signer-worker', 'challenge-service'];

interface Probe {
  readonly status: number;
  readonly body: { status?: string; checks?: Record<string, string> };
}

/**
 * /readyz of every service against dependencies that go away (docs/operations/service-interfaces.md): the real stack
 * reaches PostgreSQL and NATS only through proxies this test runs, so it can cut them off without touching the
 * machine's servers. Each probe must name the failed dependency within a bounded time, and go back to 200 when it
 * returns; liveness (/healthz) stays 200 throughout.
 */
describe('readiness probes when PostgreSQL or NATS goes away (real stack, proxied dependencies)', () => {
  const stack = new E2eStack();
  const natsTarget = new URL(TEST_NATS_URL);
  const postgres = new TcpProxy('127.0.0.1', 5432);
  const nats = new TcpProxy(natsTarget.hostname, Number(natsTarget.port || 4222));

  const probe = async (service: string, path: '/readyz' | '/healthz'): Promise<Probe> => {
    try {
      const response = await fetch(`${stack.opsUrl(service)}${path}`, { signal: AbortSignal.timeout(10_000) });
      return { status: response.status, body: (await response.json()) as Probe['body'] };
    } catch {
      return { status: 0, body: {} };
    }
  };

  /** Polls every service's /readyz until `done` holds for all of them (bounded); returns the last answers. */
  const until = async (done: (answer: Probe) => boolean, timeoutMs = 30_000): Promise<Record<string, Probe>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answers = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await probe(s, '/readyz')] as const)));
      if (Object.values(answers).every(done) || Date.now() > deadline) return answers;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const ready = (answer: Probe) => answer.status === 200;
  const failing = (dependency: string) => (answer: Probe) => answer.status === 503 && answer.body.status === 'not ready' && answer.body.checks?.[dependency] !== 'ok' && answer.body.checks?.[dependency] !== undefined;

  beforeAll(async () => {
    const [postgresPort, natsPort] = [await postgres.start(), await nats.start()];
    await stack.start({
      databaseUrl: (url) => {
        const proxied = new URL(url);
        proxied.host = `127.0.0.1:${postgresPort}`;
        return proxied.toString();
      },
      env: { NATS_URL: `nats://127.0.0.1:${natsPort}` },
    });
    // Something real on the way: a tenant, CA and profile (admin API → signer, challenge and policy services).
    await stack.tenantProfile('ready', 'probe', randomChallenge());
  }, 180_000);

  afterAll(async () => {
    postgres.resume();
    nats.resume();
    await stack.stop();
    await postgres.stop();
    await nats.stop();
  }, 60_000);

  it('every service is ready with PostgreSQL, NATS (and Redis where used) named in its checks', async () => {
    const answers = await until(ready);
    const checks = Object.fromEntries(Object.entries(answers).map(([s, a]) => [s, { status: a.status, checks: a.body.checks }]));
    expect(checks).toEqual({
      'scep-gateway': { status: 200, checks: { postgres: 'ok', nats: 'ok' } },
      'admin-api': { status: 200, checks: { postgres: 'ok', redis: 'ok', nats: 'ok' } },
      'policy-service': { status: 200, checks: { postgres: 'ok', redis: 'ok', nats: 'ok' } },
      'signer-worker': { status: 200, checks: { postgres: 'ok', redis: 'ok', nats: 'ok' } },
      'challenge-service': { status: 200, checks: { postgres: 'ok', redis: 'ok', nats: 'ok' } },
    });
  });

  it('goes 503 naming postgres when PostgreSQL is unreachable, and 200 again when it is back; liveness stays 200', async () => {
    postgres.pause();
    const down = await until(failing('postgres'));
    for (const service of SERVICES) {
      expect({ service, status: down[service]?.status, postgres: down[service]?.body.checks?.postgres, nats: down[service]?.body.checks?.nats }).toEqual({
        service,
        status: 503,
        postgres: expect.stringMatching(/^(failed|timeout)$/),
        nats: 'ok',
      });
      expect((await probe(service, '/healthz')).status).toBe(200);
    }
    postgres.resume();
    const back = await until(ready);
    expect(Object.fromEntries(SERVICES.map((s) => [s, back[s]?.status]))).toEqual(Object.fromEntries(SERVICES.map((s) => [s, 200])));
  }, 90_000);

  it('goes 503 naming nats when NATS is unreachable, and 200 again when it is back', async () => {
    nats.pause();
    const down = await until(failing('nats'));
    for (const service of SERVICES) {
      expect({ service, status: down[service]?.status, nats: down[service]?.body.checks?.nats, postgres: down[service]?.body.checks?.postgres }).toEqual({
        service,
        status: 503,
        nats: expect.stringMatching(/^(failed|timeout)$/),
        postgres: 'ok',
      });
    }
    nats.resume();
    const back = await until(ready);
    expect(Object.fromEntries(SERVICES.map((s) => [s, back[s]?.status]))).toEqual(Object.fromEntries(SERVICES.map((s) => [s, 200])));
    // And the platform works again end to end: the admin API's RPC to the policy service answers.
    expect((await stack.admin.call('GET', '/v1/tenants/ready/profiles/probe/policy')).status).toBe(200);
  }, 90_000);
});
