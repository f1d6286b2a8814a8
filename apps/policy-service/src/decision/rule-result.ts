import type { FailInfoName } from '@scep/contracts';
import { matchesWhole } from './linear-pattern';

/** One rule's verdict, recorded with the transaction so an operator can answer "why was this refused?". */
export interface RuleResult {
  readonly rule: string;
  readonly passed: boolean;
  readonly detail: string;
  /** The failInfo a device gets when this rule fails (badRequest unless the rule says otherwise). */
  readonly failInfo?: FailInfoName;
}

export const pass = (rule: string, detail: string): RuleResult => ({ rule, passed: true, detail });
export const fail = (rule: string, detail: string, failInfo?: FailInfoName): RuleResult => ({ rule, passed: false, detail, ...(failInfo ? { failInfo } : {}) });

/**
 * Whole-value match of an operator's pattern, in linear time (RE2: see linear-pattern.ts). Patterns are checked to
 * compile when the rules are stored; one that does not (stored before the engine changed) never matches.
 */
export function matches(pattern: string, value: string): boolean {
  return matchesWhole(pattern, value);
}
