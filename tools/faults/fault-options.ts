/** Command line of `npm run faults` (see the header of fault-check.ts and tools/faults/README.md). */
import { SCENARIOS, type Scenario } from './scenarios';

export interface FaultOptions {
  readonly scenarios: readonly Scenario[];
  readonly concurrency: number;
  /** Seconds of load (stretched to cover fault-at + the fault + 30 s). */
  readonly durationSeconds: number;
  readonly faultAtSeconds: number;
  readonly deviceDeadlineSeconds: number;
  readonly recoveryTimeoutSeconds: number;
  readonly keys: number;
  readonly logLevel: string;
  readonly pauseMs: number;
  readonly keepTemp: boolean;
}

export const USAGE = `usage: npm run faults -- [options]
  --scenario NAME[,NAME…]  scenarios to run (default all): ${SCENARIOS.map((s) => s.name).join(', ')}
  --list                   list the scenarios and exit
  --concurrency N          devices enrolling at once (default 16)
  --duration S             seconds of load per scenario (default 60; longer faults stretch it to fault-at + fault + 30)
  --fault-at S             seconds into the load when the fault starts (default 15)
  --device-deadline S      a device gives up after S seconds without an answer it can use (default 90)
  --recovery-timeout S     a fresh enrollment must succeed within S seconds after the fault ended (default 60)
  --keys N                 RSA-2048 device key pool (cached in tmp/load-keys; default 200)
  --log-level L            LOG_LEVEL of the services (default info)
  --pause-ms N             pause of each device slot between devices (default 0)
  --keep-temp              keep the temp dir (service logs, PostgreSQL log) for inspection`;

export function parseFaultOptions(argv: readonly string[]): FaultOptions | 'help' | 'list' {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (['help', 'list', 'keep-temp'].includes(name)) flags.add(name);
    else if (inline !== undefined) values.set(name, inline);
    else if (i + 1 < argv.length) values.set(name, argv[++i] as string);
    else throw new Error(`--${name} needs a value\n${USAGE}`);
  }
  if (flags.has('help')) return 'help';
  if (flags.has('list')) return 'list';
  const known = ['scenario', 'concurrency', 'duration', 'fault-at', 'device-deadline', 'recovery-timeout', 'keys', 'log-level', 'pause-ms'];
  for (const name of values.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
  const int = (name: string, fallback: number, min = 0) => {
    const n = values.has(name) ? Number(values.get(name)) : fallback;
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} needs an integer >= ${min}`);
    return n;
  };
  const names = values.get('scenario')?.split(',').map((n) => n.trim()).filter(Boolean);
  const scenarios = names
    ? names.map((name) => {
        const found = SCENARIOS.find((s) => s.name === name);
        if (!found) throw new Error(`unknown scenario ${name} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
        return found;
      })
    : SCENARIOS;
  return {
    scenarios,
    concurrency: int('concurrency', 16, 1),
    durationSeconds: int('duration', 60, 1),
    faultAtSeconds: int('fault-at', 15),
    deviceDeadlineSeconds: int('device-deadline', 90, 1),
    recoveryTimeoutSeconds: int('recovery-timeout', 60, 1),
    keys: int('keys', 200, 1),
    logLevel: values.get('log-level') ?? 'info',
    pauseMs: int('pause-ms', 0),
    keepTemp: flags.has('keep-temp'),
  };
}
