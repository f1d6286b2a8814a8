/**
 * One measured phase against one SCEP endpoint: build every request first (worker threads), send the warm-up,
 * then the timed enrollments with CPU snapshots of the server's processes around them.
 */
import {
  type BuildWorkers,
  type HttpClient,
  type KeyPool,
  type ScepEndpoint,
  type SerialRegistry,
  percentile,
  planRequests,
  runClosedLoop,
} from '../enrollment-load';
import { throwIfInterrupted } from '../lifecycle';
import { CpuMeter, type ProcessGroup } from '../proc-accounting';

export interface PhaseSpec {
  readonly label: string;
  readonly system: 'ours' | 'micromdm';
  readonly concurrency: number;
  readonly warmup: number;
  readonly enrollments: number;
}

export interface CpuRow {
  readonly name: string;
  readonly cpuMs: number;
  /** CPU ms per successful enrollment (NaN when none succeeded). */
  readonly perEnrollmentMs: number;
  readonly processes: number;
}

export interface PhaseResult extends PhaseSpec {
  readonly sent: number;
  readonly successes: number;
  readonly wallSeconds: number;
  readonly enrollmentsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpu: CpuRow[];
  /** Sum of the server-side rows (everything but the load generator). */
  readonly totalCpuPerEnrollmentMs: number;
  readonly loadGeneratorCpuPerEnrollmentMs: number;
  readonly outcomes: Record<string, number>;
  readonly warmupOutcomes: Record<string, number>;
  readonly duplicateSerials: number;
}

export interface PhaseContext {
  readonly workers: BuildWorkers;
  readonly pool: KeyPool;
  readonly client: HttpClient;
  readonly endpoint: ScepEndpoint;
  readonly challenge: string;
  /** Enumerated at the start of the phase (services may have other pids than in the previous phase). */
  readonly groups: () => ProcessGroup[];
  readonly serials: SerialRegistry;
  readonly log: (line: string) => void;
  /** Next device number: subjects stay unique across the phases of a run. */
  readonly numbering: { next: number };
}

export async function measurePhase(ctx: PhaseContext, spec: PhaseSpec): Promise<PhaseResult> {
  const count = spec.warmup + spec.enrollments;
  const t0 = performance.now();
  const items = planRequests(count, ctx.pool.raw.length, ctx.numbering.next, `bench-${spec.system}`);
  ctx.numbering.next += count;
  const requests = await ctx.workers.buildRequests({
    keys: ctx.pool.raw,
    items,
    recipientsDer: ctx.endpoint.recipients.map((c) => c.der),
    challenge: ctx.challenge,
  });
  ctx.log(`${spec.label}: ${count} requests built in ${((performance.now() - t0) / 1000).toFixed(1)} s; warm-up ${spec.warmup}, then ${spec.enrollments} timed at c=${spec.concurrency}`);

  const loop = { client: ctx.client, endpoint: ctx.endpoint, devices: ctx.pool.devices, concurrency: spec.concurrency, serials: ctx.serials };
  const warm = await runClosedLoop(loop, requests.slice(0, spec.warmup));
  const meter = new CpuMeter(ctx.groups());
  meter.start();
  const timed = await runClosedLoop(loop, requests.slice(spec.warmup));
  const used = meter.stop();
  throwIfInterrupted(); // a cut-short phase is not a result

  const per = (ms: number) => (timed.successes ? ms / timed.successes : NaN);
  const cpu = used.groups.map((g) => ({ name: g.name, cpuMs: g.cpuMs, perEnrollmentMs: per(g.cpuMs), processes: g.processes }));
  const wallSeconds = timed.wallMs / 1000;
  return {
    ...spec,
    sent: timed.requests,
    successes: timed.successes,
    wallSeconds,
    enrollmentsPerSecond: timed.successes / wallSeconds,
    p50Ms: percentile(timed.successLatenciesMs, 50),
    p99Ms: percentile(timed.successLatenciesMs, 99),
    cpu,
    totalCpuPerEnrollmentMs: per(cpu.reduce((sum, row) => sum + row.cpuMs, 0)),
    loadGeneratorCpuPerEnrollmentMs: per(used.selfCpuMs),
    outcomes: timed.outcomes.toJSON(),
    warmupOutcomes: warm.outcomes.toJSON(),
    duplicateSerials: timed.duplicateSerials + warm.duplicateSerials,
  };
}
