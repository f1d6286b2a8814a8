import { RE2JS } from 're2js';

/**
 * Operators' patterns (subject template, SAN rules) run on every CSR value of every tenant in this one process, so
 * they run on RE2 (re2js, a pure-JavaScript port): matching takes time linear in the value, whatever the pattern —
 * `(a+)+x` cannot stall the policy service the way a backtracking engine lets it. The price is RE2's syntax, which
 * has no backreferences and no lookaround (both need backtracking), writes code points as `\x{…}` instead of
 * `\u…`, and otherwise accepts the usual classes, groups, alternation and counted repetition (at most {1000}).
 */

/**
 * Largest compiled program accepted. Counted repetition expands (`.{500}` is ~500 instructions), and a long chain of
 * large repetitions makes each match slower by that factor; real subject and SAN patterns stay in the low hundreds.
 */
export const MAX_PROGRAM_SIZE = 5000;

/** Compiled patterns kept per process (rules are few per profile; the cap keeps many tenants from growing it). */
const CACHE_LIMIT = 1000;

export type CompiledPattern = { readonly ok: true; readonly matcher: RE2JS } | { readonly ok: false; readonly problem: string };

const cache = new Map<string, CompiledPattern>();

/** The pattern compiled for whole-value matching, or why it cannot be used (a message for operators). */
export function compilePattern(source: string): CompiledPattern {
  const cached = cache.get(source);
  if (cached) return cached;
  const compiled = compileUncached(source);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}

/** Why the pattern is refused, or undefined when it compiles within the limits. */
export function patternProblem(source: string): string | undefined {
  const compiled = compilePattern(source);
  return compiled.ok ? undefined : compiled.problem;
}

/**
 * Whole-value match (the pattern must match all of the value, as if written `^(?:pattern)$`). A pattern that does not
 * compile never matches: rules stored before the engine changed fail closed instead of passing.
 */
export function matchesWhole(source: string, value: string): boolean {
  const compiled = compilePattern(source);
  return compiled.ok && compiled.matcher.matches(value);
}

function compileUncached(source: string): CompiledPattern {
  let matcher: RE2JS;
  try {
    matcher = RE2JS.compile(source);
  } catch (error) {
    return { ok: false, problem: describeRefusal(source, error) };
  }
  if (matcher.programSize() > MAX_PROGRAM_SIZE) {
    return { ok: false, problem: `too complex (program size ${matcher.programSize()}, at most ${MAX_PROGRAM_SIZE}): use smaller repetition counts` };
  }
  return { ok: true, matcher };
}

/** Backreferences: \1-\9 or \k<name>; lookaround: (?= (?! (?<= (?<!. Only picks the message; RE2 decides. */
const BACKREFERENCE = /\\(?:[1-9]|k<)/;
const LOOKAROUND = /\(\?<?[=!]/;

function describeRefusal(source: string, error: unknown): string {
  if (BACKREFERENCE.test(source)) return 'backreferences (\\1, \\k<name>) are not supported: patterns run on a linear-time engine (RE2 syntax)';
  if (LOOKAROUND.test(source)) return 'lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported: patterns run on a linear-time engine (RE2 syntax)';
  const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : 'unknown error';
  return `not a valid RE2 regular expression: ${detail.slice(0, 120)}`;
}
