/** The bench's printed tables (one column per measured phase) and the summaries of the comparison and growth modes. */
import { median } from '../enrollment-load';
import type { PhaseResult } from './measure-phase';

const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** One column per phase: throughput, latency, CPU per successful enrollment per process, outcomes. */
export function phaseTable(phases: readonly PhaseResult[]): string {
  const cpuNames: string[] = [];
  for (const p of phases) for (const row of p.cpu) if (!cpuNames.includes(row.name)) cpuNames.push(row.name);
  const rows: string[][] = [
    ['timed requests sent', ...phases.map((p) => String(p.sent))],
    ['successful enrollments', ...phases.map((p) => String(p.successes))],
    ['successful enrollments/s', ...phases.map((p) => fmt(p.enrollmentsPerSecond, 1))],
    ['p50 latency (ms, successes)', ...phases.map((p) => fmt(p.p50Ms, 1))],
    ['p99 latency (ms, successes)', ...phases.map((p) => fmt(p.p99Ms, 1))],
    ['CPU ms per successful enrollment:', ...phases.map(() => '')],
    ...cpuNames.map((name) => [
      `  ${name}`,
      ...phases.map((p) => {
        const row = p.cpu.find((r) => r.name === name);
        return row ? fmt(row.perEnrollmentMs, 2) : '—';
      }),
    ]),
    ['  total (server side)', ...phases.map((p) => fmt(p.totalCpuPerEnrollmentMs, 2))],
    ['  load generator', ...phases.map((p) => fmt(p.loadGeneratorCpuPerEnrollmentMs, 2))],
    ['duplicate serials (warm-up + timed)', ...phases.map((p) => String(p.duplicateSerials))],
    ['not SUCCESS (timed)', ...phases.map((p) => String(p.sent - p.successes))],
  ];
  const outcomes = phases.map((p) => {
    const timed = Object.entries(p.outcomes).map(([k, n]) => `${k} ${n}`).join(', ');
    const warm = Object.entries(p.warmupOutcomes).map(([k, n]) => `${k} ${n}`).join(', ');
    return `  ${p.label}: timed ${timed || 'none'}; warm-up ${warm || 'none'}`;
  });
  return `${table(['', ...phases.map((p) => p.label)], rows)}\noutcomes per kind:\n${outcomes.join('\n')}`;
}

export interface ComparisonSummary {
  readonly concurrency: number;
  readonly rounds: number;
  readonly ours: { enrollmentsPerSecond: number; cpuPerEnrollmentMs: number; p50Ms: number; p99Ms: number };
  readonly micromdm: { enrollmentsPerSecond: number; cpuPerEnrollmentMs: number; p50Ms: number; p99Ms: number; failures: number; duplicateSerials: number; notSuccess: number };
  /** ours / micromdm (higher is better for us). */
  readonly throughputRatio: number;
  /** micromdm / ours (higher is better for us). */
  readonly cpuRatio: number;
}

export function compareSummary(phases: readonly PhaseResult[], concurrency: number): ComparisonSummary {
  const of = (system: PhaseResult['system']) => phases.filter((p) => p.system === system);
  const med = (list: PhaseResult[], pick: (p: PhaseResult) => number) => median(list.map(pick));
  const ours = of('ours');
  const mdm = of('micromdm');
  const sum = (list: PhaseResult[], pick: (p: PhaseResult) => number) => list.reduce((s, p) => s + pick(p), 0);
  const o = {
    enrollmentsPerSecond: med(ours, (p) => p.enrollmentsPerSecond),
    cpuPerEnrollmentMs: med(ours, (p) => p.totalCpuPerEnrollmentMs),
    p50Ms: med(ours, (p) => p.p50Ms),
    p99Ms: med(ours, (p) => p.p99Ms),
  };
  const m = {
    enrollmentsPerSecond: med(mdm, (p) => p.enrollmentsPerSecond),
    cpuPerEnrollmentMs: med(mdm, (p) => p.totalCpuPerEnrollmentMs),
    p50Ms: med(mdm, (p) => p.p50Ms),
    p99Ms: med(mdm, (p) => p.p99Ms),
    failures: sum(mdm, (p) => Object.entries(p.outcomes).filter(([k]) => k.startsWith('FAILURE')).reduce((s, [, n]) => s + n, 0)),
    duplicateSerials: sum(mdm, (p) => p.duplicateSerials),
    notSuccess: sum(mdm, (p) => p.sent - p.successes),
  };
  return { concurrency, rounds: ours.length, ours: o, micromdm: m, throughputRatio: o.enrollmentsPerSecond / m.enrollmentsPerSecond, cpuRatio: m.cpuPerEnrollmentMs / o.cpuPerEnrollmentMs };
}

export function comparisonText(s: ComparisonSummary): string {
  return [
    `medians over ${s.rounds} round(s) at c=${s.concurrency} (successful enrollments only):`,
    table(
      ['', 'ours', 'micromdm', 'ratio'],
      [
        ['successful enrollments/s', fmt(s.ours.enrollmentsPerSecond, 1), fmt(s.micromdm.enrollmentsPerSecond, 1), `${fmt(s.throughputRatio, 2)}x (ours/micromdm)`],
        ['server CPU ms per successful enrollment', fmt(s.ours.cpuPerEnrollmentMs, 2), fmt(s.micromdm.cpuPerEnrollmentMs, 2), `${fmt(s.cpuRatio, 2)}x (micromdm/ours)`],
        ['p50 latency ms', fmt(s.ours.p50Ms, 1), fmt(s.micromdm.p50Ms, 1), ''],
        ['p99 latency ms', fmt(s.ours.p99Ms, 1), fmt(s.micromdm.p99Ms, 1), ''],
      ],
    ),
    `micromdm over all rounds: ${s.micromdm.notSuccess} timed requests without SUCCESS (${s.micromdm.failures} FAILURE), ${s.micromdm.duplicateSerials} duplicate serials`,
  ].join('\n');
}

export interface GrowthRatio {
  readonly concurrency: number;
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuTotal: number;
  readonly cpuPostgres: number;
}

export function growthRatios(empty: readonly PhaseResult[], grown: readonly PhaseResult[]): GrowthRatio[] {
  return empty.map((e) => {
    const g = grown.find((p) => p.concurrency === e.concurrency) as PhaseResult;
    const pg = (p: PhaseResult) => p.cpu.find((r) => r.name === 'postgresql')?.perEnrollmentMs ?? NaN;
    return {
      concurrency: e.concurrency,
      throughput: g.enrollmentsPerSecond / e.enrollmentsPerSecond,
      p50: g.p50Ms / e.p50Ms,
      p99: g.p99Ms / e.p99Ms,
      cpuTotal: g.totalCpuPerEnrollmentMs / e.totalCpuPerEnrollmentMs,
      cpuPostgres: pg(g) / pg(e),
    };
  });
}

export function growthText(ratios: readonly GrowthRatio[], rows: number): string {
  return [
    `ratios preloaded (${rows.toLocaleString('en')} transactions + certificates) / empty database:`,
    table(
      ['', ...ratios.map((r) => `c=${r.concurrency}`)],
      [
        ['successful enrollments/s', ...ratios.map((r) => `${fmt(r.throughput, 2)}x`)],
        ['p50 latency', ...ratios.map((r) => `${fmt(r.p50, 2)}x`)],
        ['p99 latency', ...ratios.map((r) => `${fmt(r.p99, 2)}x`)],
        ['server CPU per enrollment', ...ratios.map((r) => `${fmt(r.cpuTotal, 2)}x`)],
        ['postgresql CPU per enrollment', ...ratios.map((r) => `${fmt(r.cpuPostgres, 2)}x`)],
      ],
    ),
  ].join('\n');
}
