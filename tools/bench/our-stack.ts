/**
 * Our platform for one bench run: the launcher with isolated settings (temp dev home, scep_bench_<random> database,
 * free ports, own Redis prefix and RPC namespace), everything it leaves behind registered for clean-up.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type ProcessGroup } from '../proc-accounting';
import { freePort, onCleanup } from '../lifecycle';
import { benchDatabaseName, databaseUrl, deleteRedisPrefix, dropRunDatabase, postmasterPidOf } from './bench-database';
import type { BenchOptions } from './bench-options';
import { type RunningLauncher, startLauncher } from './launcher';
import { parentOf, stackGroups } from './stack-processes';

export interface OurStack {
  readonly launcher: RunningLauncher;
  readonly databaseUrl: string;
  readonly adminUrl: string;
  readonly devHome: string;
  /** Process groups of the stack, enumerated now (services from the launcher's children). */
  groups(): ProcessGroup[];
}

const portOf = (url: string, fallback: number) => Number(new URL(url).port || fallback);

export async function startOurStack(options: BenchOptions, tempDir: string, log: (line: string) => void): Promise<OurStack> {
  const database = benchDatabaseName();
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const dbUrl = databaseUrl(options.postgresUrl, database);
  const [gatewayPort, adminPort] = [await freePort(), await freePort()];
  const devHome = path.join(tempDir, 'dev-home');
  // Registered before the launcher starts (clean-up runs last-registered first: launcher stopped, then these).
  onCleanup('drop the bench database', () => dropRunDatabase(options.postgresUrl, database));
  onCleanup('delete the bench Redis keys', async () => void (await deleteRedisPrefix(options.redisUrl, prefix)));
  log(`starting the stack with ${path.relative(process.cwd(), path.join(options.stackDir, 'tools/dev/start.mjs')) || 'tools/dev/start.mjs'} (database ${database}, Redis prefix ${prefix}, gateway :${gatewayPort})…`);
  const launcher = await startLauncher({
    stackDir: options.stackDir,
    env: {
      SCEP_DEV_HOME: devHome,
      DATABASE_URL: dbUrl,
      SCEP_GATEWAY_PORT: String(gatewayPort),
      ADMIN_API_PORT: String(adminPort),
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: prefix,
      NATS_URL: options.natsUrl,
      RPC_NAMESPACE: prefix,
      LOG_LEVEL: options.logLevel,
      // Not a default npm start has to change: only keeps the operations listeners (metrics, probes) off 9460-9464, which
      // another stack on this machine (npm start, e2e tests) may hold; they are not on the enrollment path.
      SCEP_GATEWAY_OPS_PORT: '0',
      ADMIN_API_OPS_PORT: '0',
      POLICY_OPS_PORT: '0',
      SIGNER_OPS_PORT: '0',
      CHALLENGE_OPS_PORT: '0',
    },
    readyTimeoutMs: options.readyTimeoutSeconds * 1000,
    log,
  });
  onCleanup('stop the launcher (it stops its services)', () => launcher.stop(), 120_000);
  const postmasterPid = await postmasterPidOf(dbUrl, parentOf);
  const notes = new Set<string>();
  return {
    launcher,
    databaseUrl: dbUrl,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    devHome,
    groups: () =>
      stackGroups(
        {
          launcherPid: launcher.pid,
          services: launcher.services(),
          postmasterPid,
          redisPort: portOf(options.redisUrl, 6379),
          natsPort: portOf(options.natsUrl, 4222),
        },
        (line) => {
          if (!notes.has(line)) log(line);
          notes.add(line);
        },
      ),
  };
}
