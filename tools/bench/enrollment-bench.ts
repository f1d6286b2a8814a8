/**
 * Enrollment benchmark: the platform exactly as `npm start` runs it (tools/dev/start.mjs, spawned here with its
 * own temp dev home, database, ports, Redis prefix and RPC namespace), driven over SCEP/HTTP by a load generator
 * whose requests are all built before the clock starts. Prints successful enrollments/s, p50/p99 latency and CPU ms
 * per successful enrollment per process (launcher, each service, the PostgreSQL cluster, redis-server,
 * nats-server, total, load generator) from /proc. Asserts nothing (house style: benchmarks print figures).
 *
 *   npm run bench                                        # c=1, 16, 64; 300 warm-up + 3000 timed each
 *   npm run bench -- --concurrency 16 --enrollments 200  # a smoke run
 *   npm run bench -- --compare-micromdm [--rounds 3]     # ours vs micromdm scepserver, alternating, c=16
 *   npm run bench -- --growth                            # empty vs 1,000,000 preloaded transactions/certificates
 *   npm run bench -- --ocsp                              # OCSP responder: cached (no nonce) and signed (nonce), c=16
 *   npm run bench -- --stack-dir ../other-checkout       # measure another tree's launcher with this bench
 *   npm run bench -- --json results.json --log-level warn
 *
 * Everything it starts (launcher, services, scepserver, worker threads) is stopped and everything it creates
 * (database, Redis keys, temp dirs) removed at the end, also on failure or Ctrl-C. More in tools/bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { BuildWorkers, HttpClient, SerialRegistry, fetchScepEndpoint, loadKeyPool } from '../enrollment-load';
import { hasExited, onCleanup, runMain, withClient } from '../lifecycle';
import { type BenchOptions, USAGE, parseBenchOptions } from './bench-options';
import { compareSummary, comparisonText, growthRatios, growthText, phaseTable } from './bench-report';
import { growthPreload } from './growth-preload';
import { type PhaseContext, type PhaseResult, measurePhase } from './measure-phase';
import { devCa, measureOcspPhase, ocspTable } from './ocsp-bench';
import { micromdmGroups } from './stack-processes';
import { startMicromdm } from './micromdm-server';
import { type OurStack, startOurStack } from './our-stack';

const started = performance.now();
const log = (line: string) => process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const print = (text: string) => process.stdout.write(`\n${text}\n`);

const adminTools = createRequire(__filename)('../stack/admin-client.cjs') as {
  ensureTenantProfile(o: Record<string, unknown>): Promise<{ profile: { id: string } }>;
};

interface Run {
  readonly options: BenchOptions;
  readonly stack: OurStack;
  readonly ours: PhaseContext;
}

function assertAlive(stack: OurStack): void {
  if (hasExited(stack.launcher.child)) throw new Error('the launcher exited during the run (see its output above)');
}

async function levels(run: Run, labelPrefix: string): Promise<PhaseResult[]> {
  const results: PhaseResult[] = [];
  for (const concurrency of run.options.concurrency) {
    assertAlive(run.stack);
    results.push(
      await measurePhase(run.ours, {
        label: `${labelPrefix}c=${concurrency}`,
        system: 'ours',
        concurrency,
        warmup: run.options.warmup,
        enrollments: run.options.enrollments,
      }),
    );
  }
  return results;
}

async function comparison(run: Run, tempDir: string, client: HttpClient) {
  // A PrintableString-safe challenge of its own (hex): micromdm compares the CSR's challengePassword to it.
  const challenge = randomBytes(16).toString('hex');
  const mdm = await startMicromdm(path.join(tempDir, 'micromdm'), challenge);
  onCleanup('stop scepserver', () => mdm.stop());
  const context: PhaseContext = {
    ...run.ours,
    endpoint: await fetchScepEndpoint(client, mdm.scepUrl),
    challenge,
    groups: () => micromdmGroups(mdm.pid),
    // Duplicates are counted per system: the two CAs' serial spaces are unrelated.
    serials: new SerialRegistry(),
  };
  const concurrency = run.options.concurrency[0] as number;
  const phases: PhaseResult[] = [];
  for (let round = 1; round <= run.options.rounds; round++) {
    for (const [system, ctx] of [['ours', run.ours], ['micromdm', context]] as const) {
      assertAlive(run.stack);
      phases.push(await measurePhase(ctx, { label: `${system} r${round}`, system, concurrency, warmup: run.options.warmup, enrollments: run.options.enrollments }));
    }
  }
  await mdm.stop();
  return { phases, summary: compareSummary(phases, concurrency) };
}

/** Three more profiles through the admin API, so the preloaded rows spread over several real profiles. */
async function growthProfiles(stack: OurStack): Promise<void> {
  const secrets = JSON.parse(fs.readFileSync(path.join(stack.devHome, 'dev-secrets.json'), 'utf8')) as { ADMIN_BOOTSTRAP_API_KEY: string };
  for (const slug of ['growth-1', 'growth-2', 'growth-3']) {
    await adminTools.ensureTenantProfile({
      adminUrl: stack.adminUrl,
      apiKey: secrets.ADMIN_BOOTSTRAP_API_KEY,
      tenant: 'dev',
      caName: 'dev-ca',
      caSubject: 'CN=Dev SCEP CA,O=SCEP Platform (development)',
      profile: slug,
      challenge: randomBytes(16).toString('hex'),
    });
  }
}

async function growth(run: Run) {
  const empty = await levels(run, 'empty ');
  print(phaseTable(empty));
  await growthProfiles(run.stack);
  log(`preloading ${run.options.growthRows.toLocaleString('en')} transactions and certificates…`);
  const preload = await withClient(run.stack.databaseUrl, (client) => growthPreload(client, run.options.growthRows, log));
  log(
    `preload took ${preload.insertSeconds.toFixed(0)} s of inserts + ${preload.vacuumSeconds.toFixed(0)} s of VACUUM (ANALYZE) and CHECKPOINT; ` +
      `over ${preload.profiles} profiles; sizes: ${Object.entries(preload.sizes).map(([t, s]) => `${t} ${s}`).join(', ')}`,
  );
  const grown = await levels(run, 'preloaded ');
  return { empty, grown, preload, ratios: growthRatios(empty, grown) };
}

/** A few enrollments to ask about, then the OCSP phases at the first concurrency level (tools/bench/ocsp-bench.ts). */
async function ocsp(run: Run, client: HttpClient) {
  await measurePhase(run.ours, { label: 'certificates for OCSP', system: 'ours', concurrency: 4, warmup: 0, enrollments: 20 });
  const target = await devCa(run.stack, new URL(run.stack.launcher.scepUrl).origin);
  log(`OCSP responder ${target.url}, ${target.serials.length} certificates (one revoked)`);
  const concurrency = run.options.concurrency[0] as number;
  const requests = run.options.ocspRequests;
  const warmup = Math.min(2000, Math.ceil(requests / 10));
  const phases = [];
  for (const nonce of [false, true]) {
    assertAlive(run.stack);
    const label = `${nonce ? 'nonce (signed)' : 'no nonce (cache)'} c=${concurrency}`;
    log(`${label}: ${warmup} warm-up, then ${requests} timed`);
    phases.push(await measureOcspPhase(client, run.stack, target, { label, concurrency, requests, warmup, nonce }));
  }
  return phases;
}

async function main(): Promise<number> {
  const parsed = parseBenchOptions(process.argv.slice(2));
  if (parsed === 'help') {
    print(USAGE);
    return 0;
  }
  const options = parsed;
  if (!fs.existsSync(path.join(options.stackDir, 'tools', 'dev', 'start.mjs'))) throw new Error(`no tools/dev/start.mjs in ${options.stackDir}`);
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scep-bench-'));
  onCleanup('remove the temp dir', () => fs.rmSync(tempDir, { recursive: true, force: true }));
  const workers = new BuildWorkers();
  onCleanup('stop the worker threads', () => workers.close());
  const pool = await loadKeyPool(options.keys, workers, log);
  log(`key pool: ${pool.raw.length} RSA-2048 keys (${pool.origin})`);
  const client = new HttpClient(Math.max(...options.concurrency));
  onCleanup('close HTTP connections', () => client.close());

  // The OCSP phases measure what signing costs, not the per-CA signature limit that protects enrollments from a flood
  // of nonces (POLICY_OCSP_SIGNATURES_PER_SECOND_PER_CA, 200 by default): lifted unless given on the command line.
  if (options.ocsp) process.env.POLICY_OCSP_SIGNATURES_PER_SECOND_PER_CA ??= '100000';
  const stack = await startOurStack(options, tempDir, log);
  const ours: PhaseContext = {
    workers,
    pool,
    client,
    endpoint: await fetchScepEndpoint(client, stack.launcher.scepUrl),
    challenge: stack.launcher.challenge,
    groups: () => stack.groups(),
    serials: new SerialRegistry(),
    log,
    numbering: { next: 0 },
  };
  log(`stack ready: ${stack.launcher.scepUrl}; services ${[...stack.launcher.services()].map(([s, pid]) => `${s}:${pid}`).join(' ')}`);
  const run: Run = { options, stack, ours };

  const results: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    host: { cpus: os.availableParallelism(), node: process.version, loadAverage: os.loadavg() },
    options: { ...options },
    keyPool: { size: pool.raw.length, origin: pool.origin },
  };
  if (options.compareMicromdm) {
    const { phases, summary } = await comparison(run, tempDir, client);
    print(phaseTable(phases));
    print(comparisonText(summary));
    Object.assign(results, { phases, comparison: summary });
  } else if (options.ocsp) {
    const phases = await ocsp(run, client);
    print(ocspTable(phases));
    Object.assign(results, { ocsp: phases });
  } else if (options.growth) {
    const g = await growth(run);
    print(phaseTable(g.grown));
    print(growthText(g.ratios, options.growthRows));
    Object.assign(results, { phases: [...g.empty, ...g.grown], growth: { preload: g.preload, ratios: g.ratios } });
  } else {
    const phases = await levels(run, 'ours ');
    print(phaseTable(phases));
    Object.assign(results, { phases });
  }
  print(
    'CPU from /proc/<pid>/stat (utime+stime, whole processes; exited children through their parent\'s cutime+cstime; 10 ms ticks). ' +
      'PostgreSQL, Redis and NATS are shared servers: their figures include anything else they served meanwhile.',
  );
  if (options.json) {
    fs.writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`);
    log(`results written to ${options.json}`);
  }
  return 0;
}

runMain(main);
