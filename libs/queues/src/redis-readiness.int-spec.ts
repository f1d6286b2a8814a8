import net from 'node:net';
import { Readiness } from '@scep/telemetry';
import { TEST_REDIS_URL } from '@scep/testing';
import { RedisReadiness } from './redis-readiness';

/** A loopback proxy to the test Redis that the test can cut (connections destroyed, new ones dropped at once). */
function redisProxy() {
  const target = new URL(TEST_REDIS_URL);
  const open = new Set<net.Socket>();
  let paused = false;
  const server = net.createServer((client) => {
    if (paused) return void client.destroy();
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 6379) });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  return {
    start: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))),
    pause: () => {
      paused = true;
      for (const socket of open) socket.destroy();
    },
    resume: () => {
      paused = false;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls the report until `done` holds (bounded). */
async function until(readiness: Readiness, done: (redis: string | undefined) => boolean): Promise<string | undefined> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const redis = (await readiness.report(2000)).checks.redis;
    if (done(redis) || Date.now() > deadline) return redis;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Redis readiness (PING on its own connection, through a proxy the test cuts)', () => {
  const proxy = redisProxy();

  afterAll(async () => {
    proxy.resume();
    await proxy.stop();
  });

  it('is ok while Redis answers, failed while it is cut off, ok again when it is back', async () => {
    const port = await proxy.start();
    // Before the first read of the queues config (cached per module registry: this file's).
    process.env.REDIS_URL = `redis://127.0.0.1:${port}/0`;
    const readiness = new Readiness();
    const check = new RedisReadiness(readiness);
    check.onModuleInit();
    try {
      expect(await until(readiness, (r) => r === 'ok')).toBe('ok');
      proxy.pause();
      expect(await until(readiness, (r) => r === 'failed')).toBe('failed');
      proxy.resume();
      expect(await until(readiness, (r) => r === 'ok')).toBe('ok');
    } finally {
      check.onApplicationShutdown();
    }
  }, 60_000);
});
