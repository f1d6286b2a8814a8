import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type TestDatabase, TEST_NATS_URL, TEST_REDIS_URL, createTestDatabase, deleteRedisPrefix, runScopedName } from '@scep/testing';
import { LeastPrivilegeDeployment } from './least-privilege-deployment';
import { OtlpCollector } from './otlp-collector';
import { freePort } from './local-processes';

// Plain CommonJS helpers shared with `npm start` (tools/stack), outside any Nx project: loaded by computed path.
const toolsDir = path.resolve(__dirname, '..', '..', '..', '..', 'tools', 'stack');
const stackTools = require(path.join(toolsDir, 'stack.cjs')) as {
  ROOT: string;
  startStack(options: {
    env: Record<string, string>;
    envFor?: Record<string, Record<string, string>>;
    logDir?: string;
    onLine?: (service: string, line: string) => void;
    readyTimeoutMs?: number;
  }): Promise<RunningStack>;
};
const secretsTools = require(path.join(toolsDir, 'secrets.cjs')) as {
  generateSecrets(): Record<string, string>;
  secretEnv(s: Record<string, string>): Record<string, string>;
  randomChallenge(length?: number): string;
};
const adminTools = require(path.join(toolsDir, 'admin-client.cjs')) as {
  adminClient(baseUrl: string, apiKey: string): AdminClient;
  ensureTenantProfile(o: Record<string, unknown>): Promise<{ ca: { id: string; certificatePem: string }; profile: { id: string; scepUrl: string } }>;
};

export interface AdminClient {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  expectOk(method: string, path: string, body?: unknown): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

interface RunningStack {
  services: Map<string, { child: { pid?: number }; details: Record<string, unknown> }>;
  start(service: string): Promise<unknown>;
  stopService(service: string): Promise<void>;
  stop(): Promise<void>;
}

export const randomChallenge = secretsTools.randomChallenge;

/** Variables of each service of its own (by service name), made once the deployment's database and namespace exist. */
export type ServiceEnvHook = (deployment: { databaseUrl: string; namespace: string }) => Promise<Record<string, Record<string, string>>>;

/** One isolated deployment: its own database, Redis prefix, RPC namespace, ports, secrets and trace collector. */
/** The rules of the e2e tests' profiles unless a test passes its own. */
export const E2E_PROFILE_POLICY = {
  subjectAltNames: { dns: {}, email: {}, uri: {}, ip: {} },
  renewal: { earliestDaysBeforeExpiry: null, maxRenewalsPerCertificate: 10 },
};

export class E2eStack {
  readonly collector = new OtlpCollector();
  /** Every line every service wrote (stdout and stderr), for secret scanning and debugging. */
  readonly logs: Array<{ service: string; line: string }> = [];
  secrets: Record<string, string> = {};
  gatewayUrl = '';
  adminUrl = '';
  admin!: AdminClient;
  private db?: TestDatabase;

  get databaseUrl(): string {
    return this.db?.url ?? '';
  }
  private prefix = '';
  private running?: RunningStack;
  /** E2E_LEAST_PRIVILEGE=1: every spec's services run with their own NATS user and database role. */
  private leastPrivilege?: LeastPrivilegeDeployment;

  /**
   * `tracing: false` exports no spans (benchmarks); the default exports to the in-memory collector. `envFor` gives a
   * service its own variables (e.g. its database role and NATS identity), made once the deployment's database and
   * namespace exist.
   */
  async start(
    options: {
      tracing?: boolean;
      logLevel?: string;
      env?: Record<string, string>;
      envFor?: ServiceEnvHook;
    } = {},
  ): Promise<void> {
    this.db = await createTestDatabase();
    this.prefix = runScopedName('e2e');
    this.secrets = secretsTools.generateSecrets();
    const [gatewayPort, adminPort] = [await freePort(), await freePort()];
    const collectorUrl = await this.collector.start();
    this.gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    this.adminUrl = `http://127.0.0.1:${adminPort}`;
    const env: Record<string, string> = {
      DATABASE_URL: this.db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: this.prefix,
      NATS_URL: TEST_NATS_URL,
      RPC_NAMESPACE: this.prefix,
      RPC_SHUTDOWN_GRACE_MS: '200',
      SCEP_GATEWAY_PORT: String(gatewayPort),
      ADMIN_API_PORT: String(adminPort),
      SCEP_PUBLIC_BASE_URL: this.gatewayUrl,
      SIGNER_CRL_BASE_URL: this.gatewayUrl,
      LOG_LEVEL: options.logLevel ?? 'info',
      // Tests read a service's log right after a request: no 250 ms batching.
      LOG_WRITES: 'line',
      OTEL_TRACES_EXPORTER: options.tracing === false ? 'none' : 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // Every test client is 127.0.0.1: keep the challenge lockout out of the way unless a test asks for it.
      CHALLENGE_FAILURES_PER_CLIENT: '100000',
      CHALLENGE_FAILURES_PER_PROFILE: '100000',
      // Nor the gateway's own FAILURE budget per client address.
      SCEP_GATEWAY_FAILURES_PER_CLIENT: '100000',
      CHALLENGE_OPS_PORT: '0',
      POLICY_OPS_PORT: '0',
      SIGNER_OPS_PORT: '0',
      // Test webhooks and FakeIntune listen on loopback http: the challenge service's development exception, explicitly.
      CHALLENGE_OUTBOUND_ALLOW_PRIVATE: 'true',
      ...secretsTools.secretEnv(this.secrets),
      ...options.env,
    };
    this.running = await stackTools.startStack({
      env,
      envFor: await this.serviceEnvHook(options.envFor)?.({ databaseUrl: this.db.url, namespace: this.prefix }),
      logDir: path.join(stackTools.ROOT, 'tmp', 'e2e-logs', this.prefix),
      onLine: (service, line) => this.logs.push({ service, line }),
      readyTimeoutMs: 90_000,
    });
    this.admin = adminTools.adminClient(this.adminUrl, this.secrets.ADMIN_BOOTSTRAP_API_KEY as string);
  }

  /** The spec's own hook; else, under E2E_LEAST_PRIVILEGE=1, a least-privilege deployment's; else none. */
  private serviceEnvHook(given: ServiceEnvHook | undefined): ServiceEnvHook | undefined {
    if (given || process.env.E2E_LEAST_PRIVILEGE !== '1') return given;
    this.leastPrivilege = new LeastPrivilegeDeployment();
    return this.leastPrivilege.envFor;
  }

  /** A tenant + CA + static-challenge profile; returns the SCEP URL and the CA certificate. */
  async tenantProfile(tenant: string, profile: string, challenge: string, options: { syncWaitMs?: number; keySize?: number; contentCiphers?: string[]; policy?: object } = {}) {
    return adminTools.ensureTenantProfile({
      // The real clients of these tests include micromdm's scepclient, which always encrypts with single DES: allowed
      // explicitly here, as the development profile does. Tests of the default pass their own list.
      contentCiphers: ['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'des-ede3-cbc', 'des-cbc'],
      // Likewise the rules: the clients send SANs, and the interop tests renew right after enrolling (the defaults
      // allow no SAN and one renewal in the last 30 days). Tests of those defaults pass their own rules.
      policy: E2E_PROFILE_POLICY,
      adminUrl: this.adminUrl,
      apiKey: this.secrets.ADMIN_BOOTSTRAP_API_KEY,
      tenant,
      caName: `${tenant}-ca`,
      caSubject: `CN=${tenant} Device CA,O=${tenant}`,
      profile,
      challenge,
      ...options,
    });
  }

  /** What a service reported in its ready line (e.g. its URL). */
  /** The gateway's PKIOperation log entries (one per answered request), optionally of one transaction. */
  pkiOperations(transactionId?: string): Array<{ messageType: number; pkiStatus: string; failInfo?: string; reason?: string; transactionId: string }> {
    return this.logs
      .filter((l) => l.service === 'scep-gateway' && l.line.includes('"msg":"PKIOperation"') && (!transactionId || l.line.includes(transactionId)))
      .map((l) => JSON.parse(l.line));
  }

  readyDetails(service: string): Record<string, unknown> {
    return this.running?.services.get(service)?.details ?? {};
  }

  /** PIDs of the running services (for CPU accounting in benchmarks). */
  pids(): Map<string, number> {
    const pids = new Map<string, number>();
    for (const [service, started] of this.running?.services ?? []) if (started.child.pid) pids.set(service, started.child.pid);
    return pids;
  }

  stopService(service: string): Promise<void> {
    return this.running?.stopService(service) ?? Promise.resolve();
  }

  async startService(service: string): Promise<void> {
    await this.running?.start(service);
  }

  async stop(): Promise<void> {
    await this.running?.stop();
    await this.collector.stop();
    await this.db?.drop().catch(() => undefined);
    await this.leastPrivilege?.stop();
    if (this.prefix) await deleteRedisPrefix(this.prefix).catch(() => undefined);
  }

  /** Secrets of this deployment that must never appear in logs or spans. */
  secretValues(): string[] {
    return Object.values(this.secrets).flatMap((v) => [v, Buffer.from(v, 'base64').toString('hex')]).filter((v) => v.length >= 16);
  }
}

export const randomSlug = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;
