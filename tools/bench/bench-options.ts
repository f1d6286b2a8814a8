/** Command line of `npm run bench` (see the header of enrollment-bench.ts and tools/bench/README.md). */
import path from 'node:path';
import { REPO_ROOT } from '../enrollment-load';

export interface BenchOptions {
  readonly concurrency: number[];
  readonly enrollments: number;
  readonly warmup: number;
  readonly keys: number;
  readonly logLevel: string;
  readonly stackDir: string;
  readonly json?: string;
  readonly compareMicromdm: boolean;
  readonly rounds: number;
  readonly growth: boolean;
  readonly growthRows: number;
  /** OCSP responder figures instead of enrollments (after a few enrollments to ask about). */
  readonly ocsp: boolean;
  readonly ocspRequests: number;
  readonly postgresUrl: string;
  readonly redisUrl: string;
  readonly natsUrl: string;
  readonly readyTimeoutSeconds: number;
}

export const USAGE = `usage: npm run bench -- [options]
  --concurrency N[,N…]   in-flight requests per level (default 1,16,64; 16 with --compare-micromdm)
  --enrollments N        timed enrollments per level (default 3000)
  --warmup N             warm-up enrollments before each level (default 300)
  --keys N               RSA-2048 device key pool size, cached in tmp/load-keys (default 1000)
  --log-level L          LOG_LEVEL of the services (default info, as npm start)
  --stack-dir DIR        run DIR/tools/dev/start.mjs (another checkout) instead of this one's
  --json FILE            also write the results as JSON
  --compare-micromdm     alternate ours / micromdm scepserver for --rounds rounds; medians and their ratios
  --rounds N             rounds of the comparison (default 3)
  --growth               measure, preload 1,000,000 transactions + certificates, measure again, print the ratios
  --growth-rows N        rows per table for --growth (default 1000000)
  --ocsp                 OCSP responder: N requests without a nonce (gateway cache) and N with one (signed each time),
                         at --concurrency (default 16), after 20 enrollments; requests/s and server CPU per response
  --ocsp-requests N      timed OCSP requests per phase (default 20000; a tenth of it, at most 2000, as warm-up)
  --postgres URL         PostgreSQL server for the bench database (default postgres://postgres@127.0.0.1:5432)
  --redis-url URL        Redis the stack uses (default redis://127.0.0.1:6379/0)
  --nats-url URL         NATS the stack uses (default nats://127.0.0.1:4222)
  --ready-timeout S      seconds to wait for the launcher (build + migrate + start; default 900)`;

const positive = (name: string, value: string | undefined): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} needs a non-negative integer (got ${value})`);
  return n;
};

export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const FLAGS = ['compare-micromdm', 'growth', 'ocsp', 'help'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (FLAGS.includes(name)) flags.add(name);
    else if (inline !== undefined) values.set(name, inline);
    else if (i + 1 < argv.length) values.set(name, argv[++i] as string);
    else throw new Error(`--${name} needs a value\n${USAGE}`);
  }
  if (flags.has('help')) return 'help';
  const known = ['concurrency', 'enrollments', 'warmup', 'keys', 'log-level', 'stack-dir', 'json', 'rounds', 'growth-rows', 'ocsp-requests', 'postgres', 'redis-url', 'nats-url', 'ready-timeout'];
  for (const name of values.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
  const compareMicromdm = flags.has('compare-micromdm');
  const growth = flags.has('growth');
  const ocsp = flags.has('ocsp');
  if ([compareMicromdm, growth, ocsp].filter(Boolean).length > 1) throw new Error('--compare-micromdm, --growth and --ocsp are separate runs: pick one');
  const concurrency = (values.get('concurrency') ?? (compareMicromdm || ocsp ? '16' : '1,16,64')).split(',').map((v) => positive('concurrency', v));
  if (concurrency.some((c) => c < 1)) throw new Error('--concurrency must be at least 1');
  const get = (name: string, fallback: number) => (values.has(name) ? positive(name, values.get(name)) : fallback);
  // --ocsp enrolls only a few devices: a small key pool is enough (and quick to generate the first time).
  const keys = get('keys', ocsp ? 20 : 1000);
  if (keys < 1) throw new Error('--keys must be at least 1');
  return {
    concurrency,
    enrollments: get('enrollments', 3000),
    warmup: get('warmup', 300),
    keys,
    logLevel: values.get('log-level') ?? 'info',
    stackDir: path.resolve(values.get('stack-dir') ?? REPO_ROOT),
    ...(values.has('json') ? { json: path.resolve(values.get('json') as string) } : {}),
    compareMicromdm,
    rounds: Math.max(1, get('rounds', 3)),
    growth,
    growthRows: get('growth-rows', 1_000_000),
    ocsp,
    ocspRequests: Math.max(1, get('ocsp-requests', 20_000)),
    postgresUrl: values.get('postgres') ?? 'postgres://postgres@127.0.0.1:5432',
    redisUrl: values.get('redis-url') ?? 'redis://127.0.0.1:6379/0',
    natsUrl: values.get('nats-url') ?? 'nats://127.0.0.1:4222',
    readyTimeoutSeconds: get('ready-timeout', 900),
  };
}
