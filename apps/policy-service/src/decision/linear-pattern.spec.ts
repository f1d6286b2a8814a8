import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { MAX_PROGRAM_SIZE, compilePattern, matchesWhole, patternProblem } from './linear-pattern';

const RULE_RESULT = resolve(__dirname, 'rule-result.ts');
const CATASTROPHIC = '(a+)+x';
const HOSTILE_VALUE = `${'a'.repeat(37)}!`;

/**
 * Runs `script` in a fresh Node process (TypeScript loaded by ts-node) and waits at most `timeoutMs`: a matcher that
 * backtracks would block its thread for minutes on HOSTILE_VALUE, and a process can be killed where a busy thread
 * in this one cannot.
 */
function runBounded(script: string, timeoutMs: number): { output?: string; timedOut: boolean } {
  const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: resolve(__dirname, '../../../..'),
    // Nx sets TS_NODE_* for its own use (a module resolution TypeScript 6 refuses) and FORCE_COLOR (console.log would
    // colour "false"): the child reads the repository's tsconfig and prints plain text.
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TS_NODE_') && name !== 'FORCE_COLOR')),
    timeout: timeoutMs,
    encoding: 'utf8',
  });
  const timedOut = child.signal === 'SIGTERM' || (child.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  if (!timedOut && child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
  return timedOut ? { timedOut } : { timedOut, output: child.stdout.trim() };
}

describe('linear-time patterns (RE2)', () => {
  it('answers the catastrophic (a+)+x on 37 "a" and a "!" at once, where a backtracking engine hangs', () => {
    // The control: JavaScript's own RegExp (backtracking) does not finish within the bound.
    const backtracking = runBounded(`console.log(new RegExp(${JSON.stringify(`^(?:${CATASTROPHIC})$`)}, 'u').test(${JSON.stringify(HOSTILE_VALUE)}))`, 2_000);
    expect(backtracking.timedOut).toBe(true);
    // The policy service's matcher, the function the subject and SAN rules call, in the same kind of process.
    const ours = runBounded(`console.log(require(${JSON.stringify(RULE_RESULT)}).matches(${JSON.stringify(CATASTROPHIC)}, ${JSON.stringify(HOSTILE_VALUE)}))`, 30_000);
    expect(ours).toEqual({ timedOut: false, output: 'false' });
  }, 40_000);

  it('answers the same pattern in this process too (linear in the value: 100,000 characters)', () => {
    expect(matchesWhole(CATASTROPHIC, HOSTILE_VALUE)).toBe(false);
    expect(matchesWhole(CATASTROPHIC, `${'a'.repeat(100_000)}!`)).toBe(false);
    expect(matchesWhole(CATASTROPHIC, 'aaax')).toBe(true);
  });

  it.each([
    ['device-[0-9]+', 'device-12', true],
    ['device-[0-9]+', 'xdevice-12', false],
    ['device-[0-9]+', 'device-12x', false],
    ['a|ab', 'ab', true],
    ['a|ab', 'abc', false],
    ['[a-z0-9-]+\\.corp\\.example', 'pc-1.corp.example', true],
    ['[a-z0-9-]+\\.corp\\.example', 'pc-1.corp.example.evil', false],
    ['\\d{3}', '123', true],
    ['(?i)device', 'DEVICE', true],
    ['.+', 'line\nbreak', false],
  ])('%s on %j -> %s (the whole value must match)', (pattern, value, expected) => {
    expect(matchesWhole(pattern, value)).toBe(expected);
  });

  it.each([
    ['(a)\\1', /^backreferences/],
    ['(?<n>a)\\k<n>', /^backreferences/],
    ['(?=a)a', /^lookahead and lookbehind/],
    ['(?!a)b', /^lookahead and lookbehind/],
    ['(?<=a)b', /^lookahead and lookbehind/],
    ['(?<!a)b', /^lookahead and lookbehind/],
    ['([a-z', /^not a valid RE2 regular expression: missing closing \]/],
    // Cannot close the wrapping group and widen the match (it could with `^(?:${pattern})$`).
    ['a)|(b', /^not a valid RE2 regular expression/],
    ['(x{1000}){2}', /^not a valid RE2 regular expression: invalid repeat count/],
  ])('refuses %s: %s', (pattern, message) => {
    expect(patternProblem(pattern)).toMatch(message);
    expect(matchesWhole(pattern, 'aa')).toBe(false);
  });

  it('refuses patterns whose program exceeds the bound, and accepts realistic ones well below it', () => {
    expect(patternProblem('.{1000}'.repeat(6))).toMatch(new RegExp(`^too complex \\(program size \\d+, at most ${MAX_PROGRAM_SIZE}\\)`));
    const hostname = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?){0,5}';
    const compiled = compilePattern(hostname);
    expect(compiled.ok && compiled.matcher.programSize()).toBeLessThan(MAX_PROGRAM_SIZE);
    expect(matchesWhole(hostname, 'pc-1.corp.example')).toBe(true);
  });
});
