/** What the fault check prints: a block per scenario with its one-line verdict, and the summary table at the end. */
import type { ScenarioResult } from './scenario-run';

const list = (record: Record<string, number>) => Object.entries(record).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';

export function verdictLine(r: ScenarioResult): string {
  return `${r.verdict.pass ? 'PASS' : 'FAIL'} ${r.name}${r.verdict.reasons.length ? `: ${r.verdict.reasons.join('; ')}` : ''}`;
}

export function scenarioBlock(r: ScenarioResult): string {
  const f = r.facts;
  const lines = [
    `── ${r.name}: ${r.description}`,
    `   devices: ${r.devices.total} in ${r.loadSeconds} s of load — SUCCESS ${r.devices.success}, unearned FAILURE ${r.devices.failure}, gave up ${r.devices.gaveUp}, never finished ${r.devices.deadline}`,
    ...(Object.keys(r.devices.details).length ? [`   without a certificate: ${list(r.devices.details)}`] : []),
    `   ${r.devices.sawPending} devices were answered PENDING and polled; longest enrollment ${r.devices.longestSeconds.toFixed(1)} s (started ${r.devices.longestStartedAtSeconds.toFixed(0)} s into the load)`,
    `   answers (load + probe): ${list(r.responses)}`,
    `   delivered certificates: ${r.devices.success} valid (signature, key, chain to the CA), ${r.clientDuplicateSerials} duplicate serials, ${r.deliveredUnknown} unknown to the database; issued but never delivered: ${r.issuedUndelivered}`,
    f
      ? `   database: ${f.transactions} transactions, ${f.certificates} certificates; two certificates for one transaction ${f.transactionsWithTwoCertificates}, duplicate serials ${f.duplicateSerials}, certificates without transaction ${f.orphanCertificates}, issued without their certificate ${f.issuedWithoutMatchingCertificate}, stuck ${list(f.stuck)}`
      : '   database: not checked',
    ...(f && Object.keys(f.failedByReason).length ? [`   failed/rejected transactions: ${list(f.failedByReason)}`] : []),
    `   recovery: ${r.recovery.seconds !== undefined ? `fresh enrollment succeeded ${r.recovery.seconds.toFixed(1)} s after the fault ended (${r.recovery.attempts} attempt(s))` : `none after ${r.recovery.attempts} attempt(s)${r.recovery.lastEnd ? `, last: ${r.recovery.lastEnd}` : ''}`}`,
  ];
  const errors = Object.entries(r.serviceErrors);
  if (errors.length) {
    lines.push('   service errors logged (message × count, top 3 per service):');
    for (const [service, messages] of errors) {
      const top = Object.entries(messages).sort((a, b) => b[1] - a[1]).slice(0, 3);
      lines.push(`     ${service}: ${top.map(([m, n]) => `"${m}" ×${n}`).join('; ')}`);
    }
  }
  lines.push(`   verdict: ${verdictLine(r)}`);
  return lines.join('\n');
}

export function summaryTable(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'verdict', 'devices', 'SUCCESS', 'FAILURE', 'gave up', 'unfinished', 'HTTP 500', '503+RA', 'dup tx', 'dup serial', 'stuck', 'recovery'];
  const rows = results.map((r) => {
    const s5 = Object.entries(r.responses).filter(([k]) => /^HTTP 5\d\d$/.test(k)).reduce((sum, [, n]) => sum + n, 0);
    return [
      r.name,
      r.verdict.pass ? 'PASS' : 'FAIL',
      String(r.devices.total),
      String(r.devices.success),
      String(r.devices.failure),
      String(r.devices.gaveUp),
      String(r.devices.deadline),
      String(s5),
      String(r.responses['HTTP 503 with Retry-After'] ?? 0),
      r.facts ? String(r.facts.transactionsWithTwoCertificates) : '?',
      r.facts ? String(r.facts.duplicateSerials + r.clientDuplicateSerials) : '?',
      r.facts ? String(Object.values(r.facts.stuck).reduce((a, b) => a + b, 0)) : '?',
      r.recovery.seconds !== undefined ? `${r.recovery.seconds.toFixed(1)} s` : 'none',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
