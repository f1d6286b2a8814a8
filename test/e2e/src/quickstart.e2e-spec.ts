import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PkiStatus } from '@scep/codec';
import { TEST_NATS_URL, TEST_POSTGRES, TEST_REDIS_URL, deleteRedisPrefix, runScopedName } from '@scep/testing';
import { dropDatabase } from '@scep/persistence-migrations';
import { bagToPem, opensslVerify, runScepclient, scepclientAvailable } from './support/scepclient';
import { getCaCert, makeDevice, pkcsReq, postPkiOperation, read } from './support/test-client';
import { freePort, isAlive } from './support/local-processes';
import { scratchDir } from './support/scratch-dir';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * The README's quick start, for real: `npm start`'s launcher builds, migrates, starts every service, bootstraps the
 * dev tenant and prints `SCEP URL:` and `Challenge:` lines that a client can use as they are; Ctrl-C stops it all.
 * Run on random ports with its own database, Redis prefix, RPC namespace and dev home so it never collides.
 */
describe('quick start (npm start)', () => {
  const home = scratchDir('scep-dev-home-');
  const prefix = runScopedName('qs');
  const db = new URL(TEST_POSTGRES);
  db.pathname = `/${runScopedName('scep_qs')}`;
  let launcher: ChildProcess;
  let output = '';

  afterAll(async () => {
    // SIGINT lets the launcher stop its services; SIGKILL only if it does not exit (it would orphan them).
    if (launcher && launcher.exitCode === null) {
      launcher.kill('SIGINT');
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          launcher.kill('SIGKILL');
          resolve(undefined);
        }, 30_000);
        launcher.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
    await dropDatabase(db.toString()).catch(() => undefined);
    await deleteRedisPrefix(prefix).catch(() => undefined);
  }, 60_000);

  it('prints a SCEP URL and a challenge that enroll a device, and stops every process on Ctrl-C', async () => {
    const [gatewayPort, adminPort] = [await freePort(), await freePort()];
    launcher = spawn(process.execPath, [path.join(ROOT, 'tools/dev/start.mjs')], {
      cwd: ROOT,
      env: {
        ...process.env,
        SCEP_DEV_HOME: home,
        DATABASE_URL: db.toString(),
        REDIS_URL: TEST_REDIS_URL,
        NATS_URL: TEST_NATS_URL,
        REDIS_PREFIX: prefix,
        RPC_NAMESPACE: prefix,
        SCEP_GATEWAY_PORT: String(gatewayPort),
        ADMIN_API_PORT: String(adminPort),
        // Operations listeners on free ports too (the defaults 9460-9464 may belong to another stack).
        SCEP_GATEWAY_OPS_PORT: '0',
        ADMIN_API_OPS_PORT: '0',
        POLICY_OPS_PORT: '0',
        SIGNER_OPS_PORT: '0',
        CHALLENGE_OPS_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    launcher.stderr?.on('data', (d: Buffer) => (output += d.toString()));

    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline && !/^Challenge: .+$/m.test(output) && launcher.exitCode === null) await new Promise((r) => setTimeout(r, 250));
    const url = /^SCEP URL: (\S+)$/m.exec(output)?.[1];
    const challenge = /^Challenge: (\S+)$/m.exec(output)?.[1];
    expect({ url, challenge, exited: launcher.exitCode }).toMatchObject({ url: expect.stringContaining(`:${gatewayPort}/scep/dev/default`), exited: null });
    expect(challenge).toMatch(/^[A-Za-z0-9]{20,}$/);
    // The operations line: each service's listener, ready.
    const ops = /^Operations \(\/metrics, \/healthz, \/readyz\): (.+)$/m.exec(output)?.[1] ?? '';
    const opsUrls = [...ops.matchAll(/([a-z-]+) (http:\/\/127\.0\.0\.1:\d+)/g)].map((m) => [m[1], m[2]] as const);
    expect(opsUrls.map(([service]) => service).sort()).toEqual(['admin-api', 'challenge-service', 'policy-service', 'scep-gateway', 'signer-worker']);
    for (const [service, opsUrl] of opsUrls) expect({ service, status: (await fetch(`${opsUrl}/readyz`, { signal: AbortSignal.timeout(10_000) })).status }).toEqual({ service, status: 200 });

    if (scepclientAvailable()) {
      const result = await runScepclient({ url: url as string, challenge: challenge as string, cn: 'quickstart-device' });
      expect(result.code).toBe(0);
      const bag = Buffer.from(await (await fetch(`${url}?operation=GetCACert`)).arrayBuffer());
      expect(opensslVerify(bagToPem(bag), result.certPath).ok).toBe(true);
    } else {
      const ra = await getCaCert(url as string);
      const device = makeDevice('quickstart-device', challenge);
      expect(read((await postPkiOperation(url as string, pkcsReq(device, ra).der)).body, ra, device).status).toBe(PkiStatus.Success);
    }

    const logs = fs.readdirSync(path.join(home, 'logs'));
    expect(logs.sort()).toEqual(['admin-api.log', 'challenge-service.log', 'policy-service.log', 'scep-gateway.log', 'signer-worker.log']);
    const servicePids = logs.map((f) => Number(/"pid":(\d+)/.exec(fs.readFileSync(path.join(home, 'logs', f), 'utf8'))?.[1])).filter(Boolean);
    expect(servicePids).toHaveLength(5);

    launcher.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => launcher.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    for (let i = 0; i < 40 && servicePids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 250));
    expect(servicePids.filter(isAlive)).toEqual([]);
  }, 240_000);
});
