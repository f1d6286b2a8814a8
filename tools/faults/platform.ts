/**
 * The platform's five services against the fault check's own PostgreSQL, Redis and NATS, started with the same
 * helper `npm start` uses (tools/stack/stack.cjs: one process per service from dist/), so a single service can be
 * killed and started again. One fresh database, Redis prefix, RPC namespace and secret set per scenario.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { REPO_ROOT } from '../enrollment-load';
import { freePort, waitForExit } from '../lifecycle';

interface StartedService {
  child: ChildProcess;
  details?: { opsUrl?: string };
}
interface RunningStack {
  services: Map<string, StartedService>;
  start(service: string): Promise<StartedService>;
  stop(): Promise<void>;
}

const load = createRequire(__filename);
const stackTools = load('../stack/stack.cjs') as {
  SERVICES: string[];
  runMigrations(env: Record<string, string>): Promise<string>;
  startStack(options: { env: Record<string, string>; logDir?: string; onLine?: (service: string, line: string) => void; readyTimeoutMs?: number }): Promise<RunningStack>;
};
const secretTools = load('../stack/secrets.cjs') as {
  generateSecrets(): Record<string, string>;
  secretEnv(s: Record<string, string>): Record<string, string>;
  randomChallenge(length?: number): string;
};
const adminTools = load('../stack/admin-client.cjs') as {
  ensureTenantProfile(o: Record<string, unknown>): Promise<{ profile: { scepUrl: string } }>;
};

export const SERVICES = stackTools.SERVICES;

/** `npm run build` of this checkout (the services run from dist/), bounded. */
export function buildPlatform(log: (line: string) => void): void {
  log('building (npm run build)…');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit', timeout: 900_000 });
  if (result.status !== 0) throw new Error('npm run build failed');
}

export interface InfraUrls {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly natsUrl: string;
}

export class Platform {
  private constructor(
    private readonly stack: RunningStack,
    readonly scepUrl: string,
    readonly challenge: string,
    /** Distinct error messages per service (for the report of a failing scenario; messages only, no payloads). */
    readonly errors: ReadonlyMap<string, ReadonlyMap<string, number>>,
  ) {}

  static async start(infra: InfraUrls, logDir: string, logLevel: string, extraEnv: Record<string, string> = {}): Promise<Platform> {
    const secrets = secretTools.generateSecrets();
    const prefix = `faults_${randomBytes(4).toString('hex')}`;
    const [gatewayPort, adminPort] = [await freePort(), await freePort()];
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const env: Record<string, string> = {
      DATABASE_URL: infra.databaseUrl,
      REDIS_URL: infra.redisUrl,
      REDIS_PREFIX: prefix,
      NATS_URL: infra.natsUrl,
      RPC_NAMESPACE: prefix,
      SCEP_GATEWAY_PORT: String(gatewayPort),
      ADMIN_API_PORT: String(adminPort),
      SCEP_PUBLIC_BASE_URL: gatewayUrl,
      SIGNER_CRL_BASE_URL: gatewayUrl,
      LOG_LEVEL: logLevel,
      // Operations listeners on free ports: 9460-9464 may belong to another stack on this machine.
      SCEP_GATEWAY_OPS_PORT: '0',
      ADMIN_API_OPS_PORT: '0',
      POLICY_OPS_PORT: '0',
      SIGNER_OPS_PORT: '0',
      CHALLENGE_OPS_PORT: '0',
      SCEP_GATEWAY_FAILURES_PER_CLIENT: '1000000',
      // Every simulated device is 127.0.0.1: a real fleet's addresses would never share one lockout counter.
      CHALLENGE_FAILURES_PER_CLIENT: '1000000',
      CHALLENGE_FAILURES_PER_PROFILE: '1000000',
      ...secretTools.secretEnv(secrets),
      ...extraEnv,
    };
    await stackTools.runMigrations({ ...env, MIGRATE_CREATE_DATABASE: 'true' });
    const errors = new Map<string, Map<string, number>>();
    const stack = await stackTools.startStack({
      env,
      logDir,
      readyTimeoutMs: 120_000,
      onLine: (service, line) => {
        if (!/"level":"(error|fatal)"|"level":(50|60)/.test(line)) return;
        let message = line.slice(0, 160);
        try {
          const parsed = JSON.parse(line) as { msg?: string; err?: { message?: string } };
          const msg = parsed.msg ?? '';
          const err = parsed.err?.message;
          message = (err && !msg.includes(err) ? `${msg}: ${err}` : msg).slice(0, 160);
        } catch {
          // not JSON: keep the start of the line
        }
        const perService = errors.get(service) ?? new Map<string, number>();
        perService.set(message, (perService.get(message) ?? 0) + 1);
        errors.set(service, perService);
      },
    });
    const challenge = secretTools.randomChallenge();
    try {
      const { profile } = await adminTools.ensureTenantProfile({
        adminUrl: `http://127.0.0.1:${adminPort}`,
        apiKey: secrets.ADMIN_BOOTSTRAP_API_KEY,
        tenant: 'faults',
        caName: 'faults-ca',
        caSubject: 'CN=Fault Check CA,O=scep-faults',
        profile: 'devices',
        challenge,
      });
      return new Platform(stack, profile.scepUrl, challenge, errors);
    } catch (error) {
      await stack.stop();
      throw error;
    }
  }

  pid(service: string): number | undefined {
    const child = this.stack.services.get(service)?.child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  /** The service's operations listener (/metrics, /healthz, /readyz), as it reported it when ready. */
  opsUrl(service: string): string | undefined {
    return this.stack.services.get(service)?.details?.opsUrl;
  }

  /** kill -9 one service (a pid we started) and wait until it is gone. */
  async kill(service: string): Promise<void> {
    const child = this.stack.services.get(service)?.child;
    if (!child?.pid) throw new Error(`${service} is not running`);
    child.kill('SIGKILL');
    await waitForExit(child, 10_000);
  }

  /** Starts a stopped service again; resolves when it reports ready. */
  async restart(service: string): Promise<void> {
    await this.stack.start(service);
  }

  stop(): Promise<void> {
    return this.stack.stop();
  }
}
