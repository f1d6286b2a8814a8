import type { PolicyRulesValue } from '@scep/contracts';
import { type RuleResult, fail, matches, pass } from './rule-result';

const TYPES = ['dns', 'email', 'uri', 'ip'] as const;
/** Intune's device/user SID as a SAN URI (Microsoft strong certificate mapping, KB5014754). */
const INTUNE_SID = /^tag:microsoft\.com,2022-09-14:sid:S-1-[0-9-]+$/i;

/** subjectAltName rules (RFC 5280 §4.2.1.6): per type allowed / required / pattern / max; other GeneralName types. */
export function sanRules(rules: PolicyRulesValue['subjectAltNames'], sans: ReadonlyArray<{ type: string; value: string }>): RuleResult[] {
  const results: RuleResult[] = [];
  const sid = (san: { type: string; value: string }) => rules.allowIntuneSid && san.type === 'uri' && INTUNE_SID.test(san.value);
  for (const type of TYPES) {
    const rule = rules[type];
    const values = sans.filter((s) => s.type === type && !sid(s)).map((s) => s.value);
    const name = `san-${type}`;
    if (!rule.allowed && values.length) results.push(fail(name, `${type} SANs are not allowed`));
    else if (rule.required && values.length === 0) results.push(fail(name, `a ${type} SAN is required`));
    else if (rule.max !== undefined && values.length > rule.max) results.push(fail(name, `${values.length} ${type} SANs (at most ${rule.max})`));
    else {
      const wrong = rule.pattern ? values.find((v) => !matches(rule.pattern as string, v)) : undefined;
      results.push(wrong !== undefined ? fail(name, `${type}:${wrong} does not match the pattern`) : pass(name, `${values.length} ${type}`));
    }
  }
  if (sans.some(sid)) results.push(pass('san-intune-sid', 'Intune SID URI passed through'));
  const others = sans.filter((s) => !TYPES.includes(s.type as (typeof TYPES)[number]));
  if (others.length) results.push(rules.otherTypes === 'allow' ? pass('san-other', `${others.length} other`) : fail('san-other', 'other GeneralName types are not allowed'));
  return results;
}
