/**
 * The faults, each injected once mid-load and undone by the scenario itself. inject() resolves when the fault has
 * ended (service running again, server resumed or back on its port): recovery time is measured from there.
 */
import { onCleanup, sleep } from '../lifecycle';
import type { OwnPostgres } from './own-postgres';
import type { OwnServer } from './own-servers';
import type { Platform } from './platform';

export interface FaultTargets {
  readonly postgres: OwnPostgres;
  readonly redis: OwnServer;
  readonly nats: OwnServer;
  readonly platform: Platform;
  readonly log: (line: string) => void;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** How long the fault itself lasts (the load window is stretched to cover it and the time after). */
  readonly faultSeconds: number;
  inject(targets: FaultTargets): Promise<void>;
}

const RESTART_AFTER_MS = 3_000;

const killService = (service: string, label: string): Scenario => ({
  name: `kill-${label}`,
  description: `kill -9 ${service}, start it again ${RESTART_AFTER_MS / 1000} s later`,
  faultSeconds: RESTART_AFTER_MS / 1000,
  async inject({ platform, log }) {
    log(`kill -9 ${service} (pid ${platform.pid(service)})`);
    await platform.kill(service);
    await sleep(RESTART_AFTER_MS);
    await platform.restart(service);
    log(`${service} restarted (pid ${platform.pid(service)})`);
  },
});

/** SIGSTOP now, SIGCONT after `ms` — and on clean-up, should the tool be interrupted in between. */
async function freeze(what: string, stop: () => void, resume: () => void, ms: number, log: (line: string) => void): Promise<void> {
  const release = onCleanup(`resume the frozen ${what}`, resume);
  stop();
  log(`${what} frozen (SIGSTOP) for ${ms / 1000} s`);
  await sleep(ms);
  resume();
  release();
  log(`${what} resumed (SIGCONT)`);
}

const outage = (server: 'redis' | 'nats', seconds: number): Scenario => ({
  name: `stop-${server}-${seconds}s`,
  description: `stop the test ${server === 'redis' ? 'Redis (no persistence: its keys are gone)' : 'nats-server'} for ${seconds} s, start it again on the same port`,
  faultSeconds: seconds,
  async inject(targets) {
    const target = targets[server];
    await target.stop();
    targets.log(`${server} stopped (port ${target.port})`);
    await sleep(seconds * 1000);
    await target.start();
    targets.log(`${server} started again on port ${target.port} (pid ${target.pid})`);
  },
});

export const SCENARIOS: readonly Scenario[] = [
  killService('signer-worker', 'signer'),
  {
    name: 'freeze-redis',
    description: 'SIGSTOP the test Redis for 5 s, then SIGCONT',
    faultSeconds: 5,
    inject: ({ redis, log }) => freeze('Redis', () => redis.signal('SIGSTOP'), () => redis.signal('SIGCONT'), 5_000, log),
  },
  {
    name: 'freeze-postgres',
    description: 'SIGSTOP every process of the test PostgreSQL cluster for 5 s, then SIGCONT',
    faultSeconds: 5,
    async inject({ postgres, log }) {
      let pids: number[] = [];
      await freeze(
        'PostgreSQL cluster',
        () => (pids = postgres.signalCluster('SIGSTOP')),
        () => postgres.signalCluster('SIGCONT', pids),
        5_000,
        log,
      );
    },
  },
  killService('scep-gateway', 'gateway'),
  killService('policy-service', 'policy'),
  killService('challenge-service', 'challenge'),
  outage('nats', 30),
  outage('redis', 30),
  {
    name: 'restart-postgres',
    description: 'pg_ctl restart -m fast of the test cluster',
    faultSeconds: 2,
    async inject({ postgres, log }) {
      log('pg_ctl restart -m fast…');
      await postgres.restart();
      log(`PostgreSQL restarted (postmaster ${postgres.postmasterPid()})`);
    },
  },
];
