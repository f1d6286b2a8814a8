import type { PolicyRulesValue } from '@scep/contracts';
import { type RuleResult, fail, pass } from './rule-result';

/** EC curve by key size as the CSR reader reports it. */
const CURVES: Record<number, 'P-256' | 'P-384'> = { 256: 'P-256', 384: 'P-384' };

/** Allowed key algorithms and sizes (scep-protocol.md §6.1). */
export function keyRule(rules: PolicyRulesValue['keys'], key: { keyAlgorithm: string; keySize: number }): RuleResult {
  if (key.keyAlgorithm === 'rsa') {
    if (!rules.rsa) return fail('key', 'RSA keys are not allowed');
    const ok = key.keySize >= rules.rsa.minBits && key.keySize <= rules.rsa.maxBits;
    return (ok ? pass : fail)('key', `rsa-${key.keySize} (allowed ${rules.rsa.minBits}-${rules.rsa.maxBits} bits)`);
  }
  if (key.keyAlgorithm === 'ec') {
    const curve = CURVES[key.keySize];
    if (!rules.ec) return fail('key', 'EC keys are not allowed');
    return curve && rules.ec.curves.includes(curve) ? pass('key', `ec ${curve}`) : fail('key', `ec ${curve ?? `${key.keySize}-bit`} (allowed ${rules.ec.curves.join(', ')})`);
  }
  return fail('key', `${key.keyAlgorithm} keys are not allowed`);
}
