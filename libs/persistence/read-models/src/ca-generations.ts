/**
 * CA generations of a profile (RFC 8894 §4.7 rollover). Rows keep `current`, an optional `next` with its switch
 * time, and an optional `previous`; which pair is active is decided by the clock, so every replica flips at the
 * same instant without a write.
 */
export interface Generations<T> {
  readonly current: T;
  readonly next?: T;
  readonly switchAt?: Date;
  readonly previous?: T;
}

export interface EffectiveGenerations<T> {
  /** Issues certificates and answers GetCACert. */
  readonly active: T;
  /** Announced by GetNextCACert until the switch. */
  readonly upcoming?: T;
  /** Still decrypts requests and verifies renewals (the pair replaced by the latest switch). */
  readonly retired?: T;
}

export function effectiveGenerations<T>(g: Generations<T>, now: Date = new Date()): EffectiveGenerations<T> {
  if (g.next && g.switchAt && now.getTime() >= g.switchAt.getTime()) return { active: g.next, retired: g.current };
  return { active: g.current, upcoming: g.next, retired: g.previous };
}
