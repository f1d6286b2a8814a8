import { composeDistinguishedName, parseDistinguishedName, type DistinguishedNameAttribute } from '@scep/pki';
import type { PolicyRulesValue } from '@scep/contracts';
import { type RuleResult, fail, matches, pass } from './rule-result';

export interface SubjectOutcome {
  readonly results: RuleResult[];
  /** The issued subject when the template shapes it; undefined = the CSR subject as is. */
  readonly subjectDn?: string;
}

/**
 * Subject template: the issued subject is built attribute by attribute, each from the CSR (optionally required and
 * pattern-checked) or fixed; CSR attributes the template does not mention are refused or dropped.
 */
export function subjectRules(rules: PolicyRulesValue['subject'], subject: string): SubjectOutcome {
  if (!rules.template) return { results: [pass('subject-template', 'none: the CSR subject is kept')] };
  let attributes: DistinguishedNameAttribute[];
  try {
    attributes = parseDistinguishedName(subject);
  } catch {
    return { results: [fail('subject-template', 'the CSR subject cannot be read')] };
  }
  const results: RuleResult[] = [];
  const issued: DistinguishedNameAttribute[] = [];
  for (const rule of rules.template) {
    if (rule.source === 'fixed') {
      issued.push({ type: rule.type, value: rule.value as string });
      continue;
    }
    const values = attributes.filter((a) => a.type === rule.type).map((a) => a.value);
    if (values.length === 0) {
      results.push(rule.required ? fail(`subject-${rule.type}`, `${rule.type} is required`) : pass(`subject-${rule.type}`, `${rule.type} absent (optional)`));
      continue;
    }
    const wrong = rule.pattern ? values.filter((v) => !matches(rule.pattern as string, v)) : [];
    results.push(wrong.length ? fail(`subject-${rule.type}`, `${rule.type}="${wrong[0]}" does not match the pattern`) : pass(`subject-${rule.type}`, `${rule.type} accepted`));
    for (const value of values) issued.push({ type: rule.type, value });
  }
  const templated = new Set(rules.template.map((r) => r.type));
  const others = attributes.filter((a) => !templated.has(a.type as never));
  if (others.length) {
    const types = [...new Set(others.map((a) => a.type))].join(', ');
    results.push(rules.otherAttributes === 'refuse' ? fail('subject-other-attributes', `not allowed: ${types}`) : pass('subject-other-attributes', `dropped: ${types}`));
  }
  return { results, subjectDn: composeDistinguishedName(issued) };
}
