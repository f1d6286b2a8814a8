/**
 * Fault check: does the platform lose or double anything when its parts fail under load? Bounded, loopback only.
 *
 * It starts its own PostgreSQL 15 (initdb in a temp dir, free port), Redis (no persistence) and NATS — never the
 * machine's — and per scenario a fresh platform on them (the five services from dist/, as `npm start` runs them),
 * then `concurrency` devices enroll like real clients (retry the same bytes on 503 or transport errors, poll
 * PENDING by resending the identical PKCSReq every second) while the scenario injects its fault. Afterwards it checks
 * what every device got, what the tables hold (two certificates for one transaction, duplicate serials,
 * certificates without a transaction, stuck transactions) and how soon a fresh enrollment succeeded.
 *
 *   npm run faults                                        # every scenario (~2 min each)
 *   npm run faults -- --scenario kill-signer,freeze-redis # some of them
 *   npm run faults -- --list
 *   npm run faults -- --scenario stop-nats-30s --duration 40 --keep-temp
 *
 * Prints one verdict line per scenario and a summary table; exits 1 when anything was lost or doubled, an HTTP 500
 * was answered, or the platform did not recover in time. Everything it started (servers, services) is stopped and
 * its temp dir removed, also on failure or Ctrl-C. More in tools/faults/README.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BuildWorkers, loadKeyPool } from '../enrollment-load';
import { onCleanup, runMain, throwIfInterrupted } from '../lifecycle';
import { type FaultOptions, USAGE, parseFaultOptions } from './fault-options';
import { scenarioBlock, summaryTable, verdictLine } from './fault-report';
import { OwnPostgres } from './own-postgres';
import { ownNats, ownRedis } from './own-servers';
import { buildPlatform } from './platform';
import { type Infra, type ScenarioResult, brokenScenario, runScenario } from './scenario-run';
import { SCENARIOS } from './scenarios';

const started = performance.now();
const log = (line: string) => process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

async function startInfra(tempDir: string): Promise<Infra> {
  const postgres = await OwnPostgres.create(tempDir);
  const redis = await ownRedis(tempDir);
  const nats = await ownNats(tempDir);
  log(`own servers: PostgreSQL :${postgres.port} (postmaster ${postgres.postmasterPid()}), Redis :${redis.port} (pid ${redis.pid}), NATS :${nats.port} (pid ${nats.pid})`);
  return { postgres, redis, nats };
}

async function main(): Promise<number> {
  const parsed = parseFaultOptions(process.argv.slice(2));
  if (parsed === 'help' || parsed === 'list') {
    process.stdout.write(parsed === 'help' ? `${USAGE}\n` : `${SCENARIOS.map((s) => `${s.name.padEnd(18)} ${s.description}`).join('\n')}\n`);
    return 0;
  }
  const options: FaultOptions = parsed;
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scep-faults-'));
  // The postgres user must reach the cluster directory inside it (traverse only, no listing).
  fs.chmodSync(tempDir, 0o711);
  onCleanup('remove the temp dir', () => {
    if (options.keepTemp) log(`kept ${tempDir}`);
    else fs.rmSync(tempDir, { recursive: true, force: true });
  });

  buildPlatform(log);
  const workers = new BuildWorkers();
  const pool = await loadKeyPool(options.keys, workers, log).finally(() => workers.close());
  log(`key pool: ${pool.raw.length} RSA-2048 keys (${pool.origin})`);
  const infra = await startInfra(tempDir);

  const results: ScenarioResult[] = [];
  for (const scenario of options.scenarios) {
    log(`═══ ${scenario.name}`);
    let result: ScenarioResult;
    try {
      result = await runScenario(scenario, infra, pool, options, tempDir, log);
    } catch (error) {
      throwIfInterrupted(); // a cut-short scenario is not a verdict
      log(`${scenario.name} did not run: ${error instanceof Error ? error.message : String(error)}`);
      result = brokenScenario(scenario, error);
    }
    throwIfInterrupted();
    results.push(result);
    process.stdout.write(`\n${scenarioBlock(result)}\n\n`);
  }
  process.stdout.write(`\n${summaryTable(results)}\n\n${results.map(verdictLine).join('\n')}\n`);
  const failed = results.filter((r) => !r.verdict.pass).length;
  process.stdout.write(`\n${failed ? `${failed} of ${results.length} scenario(s) FAILED` : `all ${results.length} scenario(s) passed`}\n`);
  return failed ? 1 : 0;
}

runMain(main);
