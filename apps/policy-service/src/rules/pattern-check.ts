import type { PolicyRulesValue } from '@scep/contracts';
import { patternProblem } from '../decision/linear-pattern';

/** A stored rule the policy service cannot run; `field` is its path inside the rules (as zod names paths). */
export class PolicyRulesRefused extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'PolicyRulesRefused';
  }
}

const SAN_TYPES = ['dns', 'email', 'uri', 'ip'] as const;

/**
 * Every operator pattern of the rules, compiled with the engine that will match it (the contract checks only what
 * zod can). The first one that cannot run is refused with its field, so a write never stores a rule that would fail
 * every request — or, with a backtracking engine, stall the service.
 */
export function assertPatternsRunnable(rules: PolicyRulesValue): void {
  const patterns: Array<[string, string | undefined]> = [
    ...(rules.subject.template ?? []).map((rule, i): [string, string | undefined] => [`subject.template.${i}.pattern`, rule.pattern]),
    ...SAN_TYPES.map((type): [string, string | undefined] => [`subjectAltNames.${type}.pattern`, rules.subjectAltNames[type].pattern]),
  ];
  for (const [field, source] of patterns) {
    if (source === undefined) continue;
    const problem = patternProblem(source);
    if (problem) throw new PolicyRulesRefused(field, problem);
  }
}
