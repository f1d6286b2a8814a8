/**
 * Pass or fail of one scenario. It fails when anything was lost (a device without its certificate, a transaction
 * stuck, an issued certificate nobody received or no record of a delivered one), doubled (two certificates for a
 * transaction, a serial twice), answered with HTTP 500, or when the platform did not recover in time.
 */
import type { ScenarioResult } from './scenario-run';

export interface Verdict {
  readonly pass: boolean;
  readonly reasons: string[];
}

export function verdictOf(r: Omit<ScenarioResult, 'verdict'>, recoveryTimeoutSeconds: number): Verdict {
  const reasons: string[] = [];
  const add = (n: number, what: string) => {
    if (n > 0) reasons.push(`${n} ${what}`);
  };
  if (r.injectError) reasons.push(`fault injection failed: ${r.injectError}`);
  add(r.devices.failure, 'unearned FAILURE');
  add(r.devices.gaveUp, 'devices gave up (no certificate)');
  add(r.devices.deadline, 'devices never finished');
  const http500 = Object.entries(r.responses).filter(([k]) => /^HTTP 5\d\d$/.test(k)).reduce((s, [, n]) => s + n, 0);
  add(http500, 'HTTP 5xx answers (not 503)');
  add(r.clientDuplicateSerials, 'duplicate serials among delivered certificates');
  add(r.deliveredUnknown, 'delivered certificates unknown to the database');
  add(r.issuedUndelivered, 'issued certificates never delivered');
  if (!r.facts) reasons.push('database checks did not run');
  else {
    add(r.facts.transactionsWithTwoCertificates, 'transactions with two certificates');
    add(r.facts.duplicateSerials, 'duplicate serials in the database');
    add(r.facts.orphanCertificates, 'certificates without a transaction');
    add(r.facts.issuedWithoutMatchingCertificate, 'issued transactions without their certificate');
    add(Object.values(r.facts.stuck).reduce((s, n) => s + n, 0), `transactions stuck (${Object.entries(r.facts.stuck).map(([k, n]) => `${k} ${n}`).join(', ')})`);
  }
  if (r.recovery.seconds === undefined) reasons.push(`no fresh enrollment within ${recoveryTimeoutSeconds} s of the fault's end${r.recovery.lastEnd ? ` (last: ${r.recovery.lastEnd})` : ''}`);
  return { pass: reasons.length === 0, reasons };
}
