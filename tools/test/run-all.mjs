// `npm test`: build, type-check, lint (module boundaries included), unit + integration tests per project,
// then end-to-end tests with real processes and real SCEP clients. Stops at the first failing stage.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: process.env.CI ? '0' : process.env.FORCE_COLOR };
const only = process.argv.slice(2);

const stages = [
  ['build', 'npm', ['run', '--silent', 'build']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['lint', 'npx', ['nx', 'run-many', '-t', 'lint', '--output-style=static', '--parallel=2', '--skip-nx-cache']],
  ['unit+integration', 'npx', ['nx', 'run-many', '-t', 'test', '--output-style=static', '--parallel=1', '--exclude=e2e', '--skip-nx-cache']],
  ['e2e', 'npx', ['jest', '-c', 'test/e2e/jest.config.cjs', '--runInBand']],
];

const started = Date.now();
for (const [name, command, args] of stages) {
  if (only.length && !only.includes(name)) continue;
  const t0 = Date.now();
  process.stdout.write(`\n=== ${name} ===\n`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (result.status !== 0) {
    process.stdout.write(`\n=== ${name} FAILED after ${seconds}s ===\n`);
    process.exit(result.status ?? 1);
  }
  process.stdout.write(`=== ${name} passed in ${seconds}s ===\n`);
}
process.stdout.write(`\nAll stages passed in ${((Date.now() - started) / 1000).toFixed(0)}s\n`);
