import fs from 'node:fs';
import path from 'node:path';
import { subjectAttributeType } from '@scep/contracts';
import { ruleLabel, signingFailureReason } from './metric-labels';

describe('policy metric labels: closed sets', () => {
  it('knows every rule name the decision code and the enrollment service record', () => {
    const sources = [
      ...fs.readdirSync(path.join(__dirname, '..', 'decision')).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')).map((f) => path.join(__dirname, '..', 'decision', f)),
      path.join(__dirname, '..', 'enrollment', 'enrollment.service.ts'),
    ];
    const literal = /(?:pass|fail)\('([a-z-]+)'|rule: '([a-z-]+)'/g;
    const names = new Set<string>();
    for (const file of sources) for (const match of fs.readFileSync(file, 'utf8').matchAll(literal)) names.add((match[1] ?? match[2]) as string);
    for (const type of ['dns', 'email', 'uri', 'ip']) names.add(`san-${type}`);
    for (const type of subjectAttributeType.options) names.add(`subject-${type}`);
    expect(names.size).toBeGreaterThan(15);
    expect([...names].filter((name) => ruleLabel(name) !== name)).toEqual([]);
  });

  it('labels anything else "other", whatever it is', () => {
    expect(ruleLabel('subject-CN')).toBe('subject-CN');
    expect(ruleLabel('subject-xx" } evil')).toBe('other');
    expect(ruleLabel('')).toBe('other');
  });

  it('has a reason label for every stable reason code the signer fails a signing job with', () => {
    const signing = path.join(__dirname, '..', '..', '..', 'signer-worker', 'src', 'signing');
    const codes = new Set<string>(['approval-forged', 'approval-expired']); // `approval-${verdict}`
    for (const file of fs.readdirSync(signing).filter((f) => f.endsWith('.ts') && !f.includes('spec'))) {
      for (const match of fs.readFileSync(path.join(signing, file), 'utf8').matchAll(/UnrecoverableError\('([a-z-]+)'\)/g)) codes.add(match[1] as string);
    }
    expect(codes.size).toBeGreaterThan(3);
    expect([...codes].filter((code) => signingFailureReason(code) === 'error')).toEqual([]);
  });

  it('maps the signer’s reason codes and the reconciler’s reasons; free text is "error"', () => {
    expect(signingFailureReason('ca-expired')).toBe('ca_expired');
    expect(signingFailureReason('approval-expired')).toBe('approval_expired');
    expect(signingFailureReason('not signed within the approval window')).toBe('approval_window_passed');
    expect(signingFailureReason('connect ECONNREFUSED 10.0.0.1:5432')).toBe('error');
  });
});
