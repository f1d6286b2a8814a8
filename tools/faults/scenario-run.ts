/**
 * One scenario from start to verdict: fresh platform (own database, prefix, secrets) on the fault check's servers,
 * device load, the fault mid-load, a recovery probe from the end of the fault, the settle wait, then the checks —
 * what the devices got, and what the database holds.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { HttpClient, type KeyPool, SerialRegistry, Tally, fetchScepEndpoint } from '../enrollment-load';
import { onCleanup, sleep, throwIfInterrupted, waitFor, withClient } from '../lifecycle';
import { DEFAULT_POLICY, type DeviceResult } from './device-client';
import type { FaultOptions } from './fault-options';
import { type LoadSettings, runDeviceLoad } from './fault-load';
import { type IntegrityFacts, integrityFacts, knownSerials, transactionsById, unsettledCount } from './integrity-sql';
import type { OwnPostgres } from './own-postgres';
import type { OwnServer } from './own-servers';
import { Platform } from './platform';
import { type RecoveryResult, probeRecovery } from './recovery-probe';
import type { Scenario } from './scenarios';
import { type Verdict, verdictOf } from './verdict';

export interface Infra {
  readonly postgres: OwnPostgres;
  readonly redis: OwnServer;
  readonly nats: OwnServer;
}

export interface DeviceCounts {
  readonly total: number;
  readonly success: number;
  /** FAILURE answers: every request of the check is valid, so each one is unearned. */
  readonly failure: number;
  /** Ended on an HTTP status other than 200/503 or a reply it could not use. */
  readonly gaveUp: number;
  /** Still without an answer at its deadline. */
  readonly deadline: number;
  readonly details: Record<string, number>;
  /** Devices that were answered PENDING at least once, and the longest enrollment (first send to end), seconds. */
  readonly sawPending: number;
  readonly longestSeconds: number;
  /** When the longest one started, seconds after the load started (tells fault-time from steady-state delays). */
  readonly longestStartedAtSeconds: number;
}

export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly loadSeconds: number;
  readonly injectError?: string;
  readonly devices: DeviceCounts;
  readonly responses: Record<string, number>;
  readonly clientDuplicateSerials: number;
  /** SUCCESS devices whose certificate serial is not in issuance.certificates. */
  readonly deliveredUnknown: number;
  /** Devices without a certificate whose transaction is nevertheless issued (issued, never delivered). */
  readonly issuedUndelivered: number;
  readonly facts?: IntegrityFacts;
  readonly unsettledAfterWait: number;
  readonly recovery: RecoveryResult;
  readonly serviceErrors: Record<string, Record<string, number>>;
  readonly verdict: Verdict;
}

function countDevices(devices: readonly DeviceResult[], loadStart: number): DeviceCounts {
  const details = new Tally();
  for (const d of devices) if (d.end !== 'success') details.add(`${d.end}${d.detail ? `: ${d.detail}` : ''}`);
  const n = (end: DeviceResult['end']) => devices.filter((d) => d.end === end).length;
  const longest = devices.reduce<DeviceResult | undefined>((a, d) => (!a || d.finishedAt - d.startedAt > a.finishedAt - a.startedAt ? d : a), undefined);
  return {
    total: devices.length,
    success: n('success'),
    failure: n('failure'),
    gaveUp: n('gave-up'),
    deadline: n('deadline'),
    details: details.toJSON(),
    sawPending: devices.filter((d) => d.pendings > 0).length,
    longestSeconds: longest ? (longest.finishedAt - longest.startedAt) / 1000 : 0,
    longestStartedAtSeconds: longest ? (longest.startedAt - loadStart) / 1000 : 0,
  };
}

/** A scenario that could not run (platform did not start, …): a FAIL with the reason, so the others still run. */
export function brokenScenario(scenario: Scenario, error: unknown): ScenarioResult {
  const reason = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
  return {
    name: scenario.name,
    description: scenario.description,
    loadSeconds: 0,
    devices: { total: 0, success: 0, failure: 0, gaveUp: 0, deadline: 0, details: {}, sawPending: 0, longestSeconds: 0, longestStartedAtSeconds: 0 },
    responses: {},
    clientDuplicateSerials: 0,
    deliveredUnknown: 0,
    issuedUndelivered: 0,
    unsettledAfterWait: 0,
    recovery: { attempts: 0 },
    serviceErrors: {},
    verdict: { pass: false, reasons: [`scenario did not run: ${reason}`] },
  };
}

async function ensureInfra(infra: Infra, log: (line: string) => void): Promise<void> {
  if (!infra.postgres.isRunning()) {
    log('test PostgreSQL is down: starting it');
    await infra.postgres.start();
  }
  await infra.redis.ensureRunning();
  await infra.nats.ensureRunning();
}

export async function runScenario(scenario: Scenario, infra: Infra, pool: KeyPool, options: FaultOptions, tempDir: string, log: (line: string) => void): Promise<ScenarioResult> {
  await ensureInfra(infra, log);
  const database = `scep_faults_${scenario.name.replace(/-/g, '_')}_${randomBytes(3).toString('hex')}`;
  const databaseUrl = infra.postgres.url(database);
  log(`starting the platform (database ${database})…`);
  const platform = await Platform.start(
    { databaseUrl, redisUrl: `redis://127.0.0.1:${infra.redis.port}/0`, natsUrl: `nats://127.0.0.1:${infra.nats.port}` },
    path.join(tempDir, 'logs', scenario.name),
    options.logLevel,
  );
  const releasePlatform = onCleanup(`stop the platform of ${scenario.name}`, () => platform.stop(), 90_000);
  const client = new HttpClient(options.concurrency + 4);
  try {
    const endpoint = await fetchScepEndpoint(client, platform.scepUrl);
    const settings: LoadSettings = {
      client,
      endpoint,
      pool,
      challenge: platform.challenge,
      concurrency: options.concurrency,
      policy: { ...DEFAULT_POLICY, deadlineMs: options.deviceDeadlineSeconds * 1000 },
      pauseMs: options.pauseMs,
      afterFailureMs: 1_000,
      numbering: { next: 0 },
    };
    const loadSeconds = Math.max(options.durationSeconds, options.faultAtSeconds + scenario.faultSeconds + 30);
    const loadStart = Date.now();
    const loadEnd = loadStart + loadSeconds * 1000;
    log(`load: ${options.concurrency} devices at a time for ${loadSeconds} s; fault at ${options.faultAtSeconds} s: ${scenario.description}`);
    const responses = new Tally();
    const load = runDeviceLoad(settings, () => Date.now() >= loadEnd, responses);
    load.catch(() => undefined); // awaited below; until then a rejection must not count as unhandled

    await sleep(options.faultAtSeconds * 1000);
    throwIfInterrupted();
    let injectError: string | undefined;
    try {
      await scenario.inject({ ...infra, platform, log });
    } catch (error) {
      injectError = error instanceof Error ? error.message : String(error);
      log(`injecting the fault failed: ${injectError}`);
    }
    const faultEnded = Date.now();
    const recovery = await probeRecovery(settings, faultEnded, options.recoveryTimeoutSeconds * 1000, responses);
    throwIfInterrupted();
    log(recovery.seconds !== undefined ? `fresh enrollment succeeded ${recovery.seconds.toFixed(1)} s after the fault ended` : `no fresh enrollment succeeded within ${options.recoveryTimeoutSeconds} s`);
    const devices = await load;
    log(`load finished: ${devices.length} devices`);

    // Let queued work drain (bounded) before judging what is stuck.
    let unsettled = 0;
    let facts: IntegrityFacts | undefined;
    let deliveredUnknown = 0;
    let issuedUndelivered = 0;
    try {
      await withClient(databaseUrl, async (db) => {
        await waitFor('transactions to settle', async () => (unsettled = await unsettledCount(db)) === 0, 30_000, 1_000).catch(() => undefined);
        facts = await integrityFacts(db);
        const delivered = devices.filter((d) => d.end === 'success' && d.serialHex);
        const known = await knownSerials(db, delivered.map((d) => d.serialHex as string));
        deliveredUnknown = delivered.filter((d) => !known.has((d.serialHex as string).toUpperCase())).length;
        const notDelivered = devices.filter((d) => d.end !== 'success');
        const rows = await transactionsById(db, notDelivered.map((d) => d.transactionId));
        issuedUndelivered = notDelivered.filter((d) => rows.get(d.transactionId)?.status === 'issued').length;
      });
    } catch (error) {
      log(`database checks failed: ${error instanceof Error ? error.message : String(error)}`);
    }

    const serials = new SerialRegistry();
    for (const d of devices) if (d.serialHex && d.issuerDer) serials.record(d.issuerDer, d.serialHex);
    const counts = countDevices(devices, loadStart);
    const serviceErrors = Object.fromEntries([...platform.errors].map(([service, messages]) => [service, Object.fromEntries(messages)]));
    const partial = {
      name: scenario.name,
      description: scenario.description,
      loadSeconds,
      ...(injectError ? { injectError } : {}),
      devices: counts,
      responses: responses.toJSON(),
      clientDuplicateSerials: serials.duplicates,
      deliveredUnknown,
      issuedUndelivered,
      ...(facts ? { facts } : {}),
      unsettledAfterWait: unsettled,
      recovery,
      serviceErrors,
    };
    return { ...partial, verdict: verdictOf(partial, options.recoveryTimeoutSeconds) };
  } finally {
    client.close();
    await platform.stop().catch(() => undefined);
    releasePlatform();
  }
}
