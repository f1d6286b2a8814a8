import { effectiveGenerations } from './ca-generations';

describe('effectiveGenerations', () => {
  const switchAt = new Date('2030-01-01T00:00:00Z');
  it('announces the next pair before the switch and keeps the previous one retired', () => {
    expect(effectiveGenerations({ current: 'B', next: 'C', switchAt, previous: 'A' }, new Date('2029-12-31T23:59:59Z'))).toEqual({ active: 'B', upcoming: 'C', retired: 'A' });
  });
  it('flips at the switch time: next is active, current is retired', () => {
    expect(effectiveGenerations({ current: 'B', next: 'C', switchAt, previous: 'A' }, switchAt)).toEqual({ active: 'C', retired: 'B' });
  });
  it('has only the active pair without a rollover', () => {
    expect(effectiveGenerations({ current: 'A' })).toEqual({ active: 'A', upcoming: undefined, retired: undefined });
  });
});
