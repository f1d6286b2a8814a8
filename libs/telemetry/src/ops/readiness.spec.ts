import { Readiness } from './readiness';

describe('Readiness', () => {
  it('is ready when every check answers, and names each one', async () => {
    const readiness = new Readiness();
    readiness.register('postgres', async () => 1);
    readiness.register('nats', async () => undefined);
    expect(await readiness.report(1000)).toEqual({ ready: true, checks: { postgres: 'ok', nats: 'ok' } });
  });

  it('names the dependency that failed and the one that did not answer in time', async () => {
    const readiness = new Readiness();
    readiness.register('postgres', async () => {
      throw new Error('ECONNREFUSED');
    });
    readiness.register('redis', () => new Promise(() => undefined));
    readiness.register('nats', async () => undefined);
    expect(await readiness.report(50)).toEqual({ ready: false, checks: { postgres: 'failed', redis: 'timeout', nats: 'ok' } });
  });

  it('checks a dependency at most once per cache period however many probes arrive', async () => {
    const readiness = new Readiness();
    const check = jest.fn(async () => undefined);
    readiness.register('postgres', check, 60_000);
    const reports = await Promise.all(Array.from({ length: 50 }, () => readiness.report(1000)));
    expect(reports.every((r) => r.ready)).toBe(true);
    expect(await readiness.report(1000)).toEqual({ ready: true, checks: { postgres: 'ok' } });
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('sees a recovered dependency again once the cached failure has aged', async () => {
    const readiness = new Readiness();
    let up = false;
    readiness.register('postgres', async () => {
      if (!up) throw new Error('down');
    }, 0);
    expect((await readiness.report(1000)).checks.postgres).toBe('failed');
    up = true;
    expect(await readiness.report(1000)).toEqual({ ready: true, checks: { postgres: 'ok' } });
  });
});
