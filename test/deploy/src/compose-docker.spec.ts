// docker-compose.yml and deploy/docker/Dockerfile, checked offline (no Docker engine needed).
import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { fromRoot, repoRoot } from './support/paths';
import { onPath, run } from './support/tools';

type ComposeService = {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, unknown>;
  volumes?: string[];
};
const compose = parse(readFileSync(fromRoot('docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const PLATFORM: Record<string, { port: number; prefix: string }> = {
  'scep-gateway': { port: 9460, prefix: 'SCEP_GATEWAY' },
  'admin-api': { port: 9461, prefix: 'ADMIN_API' },
  'policy-service': { port: 9462, prefix: 'POLICY' },
  'signer-worker': { port: 9463, prefix: 'SIGNER' },
  'challenge-service': { port: 9464, prefix: 'CHALLENGE' },
};

describe('docker-compose.yml', () => {
  it('has a node fetch healthcheck of /healthz on the operations port of every platform service', () => {
    for (const [name, { port }] of Object.entries(PLATFORM)) {
      const test = compose.services[name]?.healthcheck?.test ?? [];
      expect({ name, test: test.slice(0, 3) }).toEqual({ name, test: ['CMD', 'node', '-e'] });
      expect({ name, fetches: test[3]?.includes(`fetch('http://127.0.0.1:${port}/healthz')`) }).toEqual({ name, fetches: true });
    }
  });

  it('binds the operations ports to 0.0.0.0 for all but the signer, which accepts no ingress', () => {
    for (const [name, { prefix }] of Object.entries(PLATFORM)) {
      const host = compose.services[name].environment?.[`${prefix}_OPS_HOST`];
      expect({ name, host }).toEqual({ name, host: name === 'signer-worker' ? undefined : '0.0.0.0' });
    }
  });

  it('gives the gateway no Redis settings or dependency', () => {
    const gateway = compose.services['scep-gateway'];
    expect(Object.keys(gateway.environment ?? {}).filter((k) => k.startsWith('REDIS'))).toEqual([]);
    expect(Object.keys(gateway.depends_on ?? {})).not.toContain('redis');
    for (const name of ['admin-api', 'policy-service', 'signer-worker', 'challenge-service']) expect(compose.services[name].environment?.REDIS_URL).toBeDefined();
  });

  it('passes each secret only to the services that need it (the approval key to policy and signer only)', () => {
    const holders = (variable: RegExp) =>
      Object.entries(compose.services)
        .filter(([, s]) => Object.entries(s.environment ?? {}).some(([k, v]) => variable.test(k) || variable.test(String(v))))
        .map(([n]) => n)
        .sort();
    expect(holders(/APPROVAL_KEY/)).toEqual(['policy-service', 'signer-worker']);
    expect(holders(/SIGNER_CA_KEK/)).toEqual(['signer-worker']);
    expect(holders(/RA_KEK/)).toEqual(['scep-gateway', 'signer-worker']);
    expect(holders(/CHALLENGE_PEPPER/)).toEqual(['challenge-service']);
  });

  it('runs Prometheus and Grafana provisioned from deploy/observability', () => {
    for (const name of ['prometheus', 'grafana']) {
      const mounts = (compose.services[name]?.volumes ?? []).filter((v) => v.startsWith('./'));
      expect(mounts.length).toBeGreaterThan(0);
      for (const m of mounts) {
        expect(m).toMatch(/^\.\/deploy\/observability\//);
        expect({ mount: m, exists: existsSync(path.join(repoRoot, m.split(':')[0])) }).toEqual({ mount: m, exists: true });
      }
    }
  });

  const dockerCompose = onPath('docker-compose');
  (dockerCompose ? it : it.skip)('passes `docker-compose config -q` (with dummy values for the secrets of .env.example)', () => {
    const names = readFileSync(fromRoot('deploy', 'docker', '.env.example'), 'utf8').match(/^[A-Z_]+(?==)/gm) ?? [];
    const env = { ...process.env, ...Object.fromEntries(names.map((n) => [n, 'dummy'])) };
    const result = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { env });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });
  if (!dockerCompose) console.warn('SKIPPED `docker-compose config -q`: docker-compose is not on PATH (apt-get install docker-compose).');
});

describe('deploy/docker/Dockerfile', () => {
  const dockerfile = readFileSync(fromRoot('deploy', 'docker', 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));

  it('builds and runs on node:24-bookworm-slim in stages', () => {
    const froms = instructions.filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^FROM node:24-bookworm-slim(\s|$)/);
  });

  it('runs as a numeric non-root user, with source maps and a HEALTHCHECK', () => {
    const users = instructions.filter((l) => /^USER\s/i.test(l));
    expect(users.at(-1)).toMatch(/^USER [1-9][0-9]*(:[1-9][0-9]*)?$/);
    expect(instructions.find((l) => l.startsWith('ENTRYPOINT'))).toContain('--enable-source-maps');
    expect(instructions.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/CMD \["node", "\/app\/healthcheck.cjs"\]/);
  });

  describe('healthcheck.cjs', () => {
    const script = fromRoot('deploy', 'docker', 'healthcheck.cjs');
    let server: Server;
    let status = 200;
    let port = 0;
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.statusCode = req.url === '/healthz' ? status : 404;
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const check = () =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [script], { env: { ...process.env, OPS_PORT: String(port) }, stdio: 'ignore' });
        child.on('exit', (code) => resolve(code ?? -1));
      });

    it('exits 0 when /healthz answers 200 and 1 when it answers 503', async () => {
      status = 200;
      expect(await check()).toBe(0);
      status = 503;
      expect(await check()).toBe(1);
    });
  });
});
