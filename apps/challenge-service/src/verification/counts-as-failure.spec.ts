import { challengeRejection } from '@scep/contracts';
import { countsAsFailure } from './challenge-verification.service';

describe('countsAsFailure (what feeds the lockout)', () => {
  it('counts wrong guesses, not operator gaps, lockouts or validator outages', () => {
    const counted = challengeRejection.options.filter(countsAsFailure);
    expect(counted.sort()).toEqual(['consumed', 'expired', 'intune-denied', 'mismatch', 'missing', 'san-mismatch', 'subject-mismatch', 'webhook-denied'].sort());
    expect(countsAsFailure('webhook-error')).toBe(false);
    expect(countsAsFailure('intune-error')).toBe(false);
  });
});
