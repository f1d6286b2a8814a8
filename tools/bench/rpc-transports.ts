/**
 * RPC transport benchmark for @nestjs/microservices (backs docs/adr/001-rpc-transport.md).
 *
 * Run from the repository root (loopback only; needs NATS on 127.0.0.1:4222, Redis on
 * 127.0.0.1:6379 and, for the optional RabbitMQ rows, RabbitMQ on 127.0.0.1:5672):
 *
 *   TS_NODE_TRANSPILE_ONLY=1 npx ts-node tools/bench/rpc-transports.ts
 *
 * Options (all optional):
 *   --transports=tcp,redis,nats,nats-noqueue,rmq,rmq-ack   which transports to measure (default: all)
 *   --n=5000            sequential round trips per endpoint
 *   --concurrency=64    requests in flight in the concurrency test
 *   --total=2000        requests in the concurrency test
 *   --warmup=500        warm-up round trips (not measured)
 *   --kill-signal=SIGKILL|SIGTERM   how one replica is stopped mid-run (SIGTERM = graceful app.close())
 *   --json=PATH         also write the raw results as JSON (default: tmp/rpc-bench-<time>.json)
 * Env: NATS_URL, REDIS_HOST, REDIS_PORT, AMQP_URL override the loopback defaults.
 *
 * RabbitMQ (rmq, rmq-ack) needs `amqplib` and `amqp-connection-manager`, which the project does
 * not depend on. They are looked up in the project, then in $RPC_BENCH_AMQP_DIR, then in
 * /tmp/rpc-bench-deps/node_modules. Without them those rows are skipped with a message.
 * To enable them without touching the project's package.json:
 *   npm install --prefix /tmp/rpc-bench-deps amqplib@2.3.1 amqp-connection-manager@5.0.0
 *
 * What it does per transport: forks 2 server replicas (each a Nest microservice with a
 * `<prefix>.bench.echo` @MessagePattern returning {replica, n}) and 1 client process
 * (ClientProxy). The client warms up, does N sequential round trips, then a concurrency test,
 * then checks trace-context propagation, then runs a load during which one replica is stopped
 * by PID, and finally stops the other replica and sends a few requests to a service with no
 * replica left. Every replica logs which request numbers it handled, so the orchestrator can
 * tell which replica answered, which requests were handled by BOTH replicas (broadcast) and
 * which were lost. Subject/queue/channel names carry a random suffix per run. All child
 * processes are killed by PID at the end; everything is bounded by hard timeouts.
 *
 * TCP: the two replicas listen on separate loopback ports; a tiny round-robin L4 proxy in the
 * orchestrator stands in for a Kubernetes ClusterIP Service (one backend chosen per
 * connection, dead backends skipped as if their endpoint had already been removed). TCP
 * latency is measured both directly (kube-proxy's iptables/IPVS DNAT costs ~nothing) and
 * through that user-space proxy.
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Controller, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientProxyFactory,
  Ctx,
  MessagePattern,
  NatsRecordBuilder,
  Payload,
  RmqRecordBuilder,
  Transport,
  type ClientProxy,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { headers as natsHeaders } from 'nats';
import { lastValueFrom, timeout, TimeoutError } from 'rxjs';

// ---------------------------------------------------------------------------------------------
// shared definitions
// ---------------------------------------------------------------------------------------------

const ALL_TRANSPORTS = ['tcp', 'redis', 'nats', 'nats-noqueue', 'rmq', 'rmq-ack'] as const;
type TransportName = (typeof ALL_TRANSPORTS)[number];
type ReplicaName = 'A' | 'B';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const REDIS_HOST = process.env.REDIS_HOST ?? '127.0.0.1';
const REDIS_PORT = Number(process.env.REDIS_PORT ?? 6379);
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

const GLOBAL_TIMEOUT_MS = 6 * 60_000; // whole script
const PER_TRANSPORT_TIMEOUT_MS = 100_000;
const CHILD_MAX_LIFETIME_MS = 5 * 60_000; // children kill themselves after this
const REQ_TIMEOUT_MS = 2_000; // per request in the failure test
const KILL_PHASE = { concurrency: 8, delayMs: 5, killAtMs: 1_500, stopAtMs: 4_500 };
const TP_HEADER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const TP_PAYLOAD = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

interface ReplicaCfg {
  transport: TransportName;
  name: ReplicaName;
  prefix: string;
  port?: number;
  handledFile: string;
}
interface Endpoint {
  label: string;
  options: Record<string, unknown>;
}
interface ClientCfg {
  transport: TransportName;
  prefix: string;
  endpoints: Endpoint[];
  n: number;
  concurrency: number;
  total: number;
  warmup: number;
  payloadBytes: number;
}
interface EchoReq {
  n: number;
  phase: string;
  delayMs?: number;
  log?: boolean;
  blob?: string;
  traceparent?: string;
}
interface Rec {
  n: number;
  phase: string;
  outcome: 'ok' | 'error' | 'timeout';
  replica?: string;
  ms: number;
  t0: number; // ms since the phase started
  t1: number;
  err?: string;
}
interface LatencySummary {
  label: string;
  kind: 'seq' | 'conc';
  count: number;
  ok: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  rps: number;
}
interface TraceResult {
  replica: string;
  header: string | null;
  payload: string | null;
  contextClass: string;
  headerApi: string;
}
interface KillInfo {
  which: ReplicaName;
  pid: number;
  signal: string;
  tKill: number;
}
interface ClientResults {
  records: Rec[];
  latency: LatencySummary[];
  trace: TraceResult[];
  traceErrors: string[];
  kill?: KillInfo;
  allDown: { outcome: string; ms: number; err?: string }[];
}

const patternsFor = (prefix: string) => ({
  echo: `${prefix}.bench.echo`,
  trace: `${prefix}.bench.trace`,
});

/**
 * amqplib leaves Nagle on by default; with manual acks (ack frame + reply publish as two small
 * writes) that measured ~44 ms p50 per round trip here (Nagle x delayed ACK), so both RMQ
 * variants turn it off. Set RPC_BENCH_RMQ_NODELAY=0 to reproduce the slow case.
 */
const rmqSocketOptions = () => ({ connectionOptions: { noDelay: process.env.RPC_BENCH_RMQ_NODELAY !== '0' } });

function rmqQueueOptions() {
  // non-durable; the queue is deleted by the broker 2 minutes after its last use
  return { durable: false, arguments: { 'x-expires': 120_000 } };
}

function serverOptions(cfg: ReplicaCfg): MicroserviceOptions {
  switch (cfg.transport) {
    case 'tcp':
      return { transport: Transport.TCP, options: { host: '127.0.0.1', port: cfg.port } };
    case 'redis':
      return { transport: Transport.REDIS, options: { host: REDIS_HOST, port: REDIS_PORT } };
    case 'nats':
    case 'nats-noqueue':
      return {
        transport: Transport.NATS,
        options: {
          servers: [NATS_URL],
          ...(cfg.transport === 'nats' ? { queue: `${cfg.prefix}.q` } : {}),
          gracefulShutdown: true,
          gracePeriod: 1_000,
        },
      };
    case 'rmq':
    case 'rmq-ack':
      return {
        transport: Transport.RMQ,
        options: {
          urls: [AMQP_URL],
          queue: cfg.prefix,
          queueOptions: rmqQueueOptions(),
          socketOptions: rmqSocketOptions(),
          noAck: cfg.transport === 'rmq',
          prefetchCount: cfg.transport === 'rmq-ack' ? 16 : 0,
        },
      };
  }
}

function clientTransport(t: TransportName): Transport {
  if (t === 'tcp') return Transport.TCP;
  if (t === 'redis') return Transport.REDIS;
  if (t === 'nats' || t === 'nats-noqueue') return Transport.NATS;
  return Transport.RMQ;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function errMessage(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    if (typeof o.message === 'string') return o.message;
    try {
      return JSON.stringify(o).slice(0, 200);
    } catch {
      return String(o);
    }
  }
  return String(e);
}

function send(msg: unknown): void {
  if (process.send) process.send(msg);
}

/** Children die with their parent and never outlive CHILD_MAX_LIFETIME_MS. */
function childSafety(): void {
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => process.exit(3), CHILD_MAX_LIFETIME_MS).unref();
}

// ---------------------------------------------------------------------------------------------
// replica (server) process
// ---------------------------------------------------------------------------------------------

async function runReplica(): Promise<void> {
  childSafety();
  const cfg = JSON.parse(process.env.RPC_BENCH_CFG ?? '{}') as ReplicaCfg;
  const P = patternsFor(cfg.prefix);
  const handled: number[] = [];

  const headerOf = (ctx: unknown): { value: string | null; api: string } => {
    const c = ctx as Record<string, (...a: unknown[]) => unknown>;
    switch (cfg.transport) {
      case 'nats':
      case 'nats-noqueue': {
        const h = c.getHeaders() as { get(k: string): string } | undefined;
        return { value: h?.get('traceparent') || null, api: 'NatsContext.getHeaders()' };
      }
      case 'rmq':
      case 'rmq-ack': {
        const m = c.getMessage() as { properties?: { headers?: Record<string, string> } };
        return { value: m.properties?.headers?.traceparent ?? null, api: 'RmqContext.getMessage().properties.headers' };
      }
      case 'tcp':
        return { value: null, api: 'none (TcpContext: getSocketRef(), getPattern())' };
      case 'redis':
        return { value: null, api: 'none (RedisContext: getChannel())' };
    }
  };

  @Controller()
  class EchoController {
    @MessagePattern(P.echo)
    async echo(@Payload() data: EchoReq, @Ctx() ctx: unknown) {
      handled.push(data.n);
      if (data.log) fs.appendFileSync(cfg.handledFile, `${data.n}\n`);
      if (data.delayMs) await sleep(data.delayMs);
      if (cfg.transport === 'rmq-ack') {
        const c = ctx as { getChannelRef(): { ack(m: unknown): void }; getMessage(): unknown };
        c.getChannelRef().ack(c.getMessage());
      }
      return { replica: cfg.name, n: data.n };
    }

    @MessagePattern(P.trace)
    trace(@Payload() data: { traceparent?: string }, @Ctx() ctx: unknown): TraceResult {
      const h = headerOf(ctx);
      if (cfg.transport === 'rmq-ack') {
        const c = ctx as { getChannelRef(): { ack(m: unknown): void }; getMessage(): unknown };
        c.getChannelRef().ack(c.getMessage());
      }
      return {
        replica: cfg.name,
        header: h.value,
        payload: data?.traceparent ?? null,
        contextClass: (ctx as object)?.constructor?.name ?? 'unknown',
        headerApi: h.api,
      };
    }
  }

  @Module({ controllers: [EchoController] })
  class ReplicaModule {}
  const mod: DynamicModule = { module: ReplicaModule };

  const app = await NestFactory.createMicroservice<MicroserviceOptions>(mod, {
    ...serverOptions(cfg),
    logger: ['error', 'warn', 'log'],
  });
  await app.listen();

  process.on('SIGTERM', () => {
    const t0 = performance.now();
    console.log(`[${cfg.name}] SIGTERM: app.close() ...`);
    app
      .close()
      .then(() => console.log(`[${cfg.name}] closed after ${(performance.now() - t0).toFixed(0)} ms`))
      .catch((e: unknown) => console.error(`[${cfg.name}] close failed: ${errMessage(e)}`))
      .finally(() => process.exit(0));
  });
  process.on('message', (m: { type: string }) => {
    if (m?.type === 'report') send({ type: 'report', name: cfg.name, handled });
  });
  send({ type: 'ready', name: cfg.name, pid: process.pid });
}

// ---------------------------------------------------------------------------------------------
// client process
// ---------------------------------------------------------------------------------------------

function pct(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function summarize(label: string, kind: 'seq' | 'conc', recs: Rec[], wallMs: number): LatencySummary {
  const ok = recs.filter((r) => r.outcome === 'ok').map((r) => r.ms).sort((a, b) => a - b);
  const mean = ok.reduce((s, x) => s + x, 0) / (ok.length || 1);
  return {
    label,
    kind,
    count: recs.length,
    ok: ok.length,
    p50: pct(ok, 0.5),
    p90: pct(ok, 0.9),
    p99: pct(ok, 0.99),
    max: ok[ok.length - 1] ?? NaN,
    mean,
    rps: (ok.length / wallMs) * 1000,
  };
}

async function runClient(): Promise<void> {
  childSafety();
  const cfg = JSON.parse(process.env.RPC_BENCH_CFG ?? '{}') as ClientCfg;
  const P = patternsFor(cfg.prefix);
  const records: Rec[] = [];
  const latency: LatencySummary[] = [];
  let nextN = 1;
  let failuresLogged = 0;
  const phaseLog = (what: string) => console.log(`[client] ${new Date().toISOString()} ${what} (records so far: ${records.length})`);
  const blob = cfg.payloadBytes > 0 ? randomBytes(Math.ceil((cfg.payloadBytes * 3) / 4)).toString('base64').slice(0, cfg.payloadBytes) : undefined;

  // orchestrator request/response over IPC
  const waiters = new Map<string, (m: Record<string, unknown>) => void>();
  process.on('message', (m: Record<string, unknown>) => {
    const w = waiters.get(String(m?.type));
    if (w) {
      waiters.delete(String(m.type));
      w(m);
    }
  });
  const ask = (msg: Record<string, unknown>, replyType: string, ms = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${replyType} from orchestrator`)), ms);
      waiters.set(replyType, (m) => {
        clearTimeout(t);
        resolve(m);
      });
      send(msg);
    });

  const clients: ClientProxy[] = cfg.endpoints.map(
    (e) => ClientProxyFactory.create({ transport: clientTransport(cfg.transport), options: e.options } as never) as unknown as ClientProxy,
  );
  for (const c of clients) await c.connect();
  const primary = clients[clients.length - 1];

  async function call(client: ClientProxy, phase: string, phaseStart: number, extra: Partial<EchoReq> = {}, tmo = 10_000): Promise<Rec> {
    const n = nextN++;
    const t0 = performance.now();
    const rec: Rec = { n, phase, outcome: 'ok', ms: 0, t0: t0 - phaseStart, t1: 0 };
    try {
      const data: EchoReq = { n, phase, ...extra, ...(blob ? { blob } : {}) };
      const res = await lastValueFrom(client.send<{ replica: string; n: number }>(P.echo, data).pipe(timeout(tmo)));
      rec.replica = res.replica;
      if (res.n !== n) {
        rec.outcome = 'error';
        rec.err = `mismatched reply n=${res.n}`;
      }
    } catch (e) {
      rec.outcome = e instanceof TimeoutError ? 'timeout' : 'error';
      rec.err = e instanceof TimeoutError ? `no reply within ${tmo} ms` : errMessage(e);
    }
    const t1 = performance.now();
    rec.ms = t1 - t0;
    rec.t1 = t1 - phaseStart;
    records.push(rec);
    if (rec.outcome !== 'ok' && failuresLogged++ < 20) console.log(`[client] ${phase} n=${n} ${rec.outcome}: ${rec.err}`);
    return rec;
  }

  async function concurrent(client: ClientProxy, phase: string, workers: number, total: number, extra: Partial<EchoReq> = {}) {
    const start = performance.now();
    let issued = 0;
    const out: Rec[] = [];
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (issued < total) {
          issued++;
          out.push(await call(client, phase, start, extra));
        }
      }),
    );
    return { recs: out, wall: performance.now() - start };
  }

  // 1) latency: warm-up, sequential, concurrent -- per endpoint
  for (let i = 0; i < clients.length; i++) {
    const c = clients[i];
    const label = cfg.endpoints[i].label;
    const w0 = performance.now();
    for (let k = 0; k < cfg.warmup; k++) await call(c, `warmup:${label}`, w0);
    const s0 = performance.now();
    const seq: Rec[] = [];
    for (let k = 0; k < cfg.n; k++) seq.push(await call(c, `seq:${label}`, s0));
    latency.push(summarize(label, 'seq', seq, performance.now() - s0));
    phaseLog(`sequential done: ${label}`);
    const conc = await concurrent(c, `conc:${label}`, cfg.concurrency, cfg.total);
    latency.push(summarize(label, 'conc', conc.recs, conc.wall));
    phaseLog(`concurrent done: ${label}`);
  }

  // 2) trace context propagation (4 requests so that both replicas are likely to be hit)
  const trace: TraceResult[] = [];
  const traceErrors: string[] = [];
  for (let k = 0; k < 4; k++) {
    let payload: unknown = { traceparent: TP_PAYLOAD };
    if (cfg.transport === 'nats' || cfg.transport === 'nats-noqueue') {
      const h = natsHeaders();
      h.set('traceparent', TP_HEADER);
      payload = new NatsRecordBuilder({ traceparent: TP_PAYLOAD }).setHeaders(h).build();
    } else if (cfg.transport === 'rmq' || cfg.transport === 'rmq-ack') {
      payload = new RmqRecordBuilder({ traceparent: TP_PAYLOAD }).setOptions({ headers: { traceparent: TP_HEADER } }).build();
    }
    try {
      trace.push(await lastValueFrom(primary.send<TraceResult>(P.trace, payload).pipe(timeout(5_000))));
    } catch (e) {
      traceErrors.push(errMessage(e));
    }
  }

  // 3) snapshot of what each replica handled so far (a killed replica can't report later)
  await ask({ type: 'snapshot' }, 'snapshot-done');

  // 4) failure: steady load with a small handler delay; stop one replica at killAtMs
  const kStart = performance.now();
  let kill: KillInfo | undefined;
  let lastOkReplica: string | undefined;
  const killTimer = (async () => {
    await sleep(KILL_PHASE.killAtMs);
    // kill the replica that answered most recently (for TCP: the one this client is pinned to)
    const which = (lastOkReplica ?? 'B') as ReplicaName;
    const tKill = performance.now() - kStart;
    const r = await ask({ type: 'kill', which }, 'killed');
    kill = { which, pid: Number(r.pid), signal: String(r.signal), tKill };
  })();
  await Promise.all(
    Array.from({ length: KILL_PHASE.concurrency }, async () => {
      while (performance.now() - kStart < KILL_PHASE.stopAtMs) {
        const r = await call(primary, 'kill', kStart, { delayMs: KILL_PHASE.delayMs, log: true }, REQ_TIMEOUT_MS);
        if (r.outcome === 'ok') lastOkReplica = r.replica;
        else await sleep(5); // don't spin on immediate errors
      }
    }),
  );
  await killTimer;

  // 5) no replica left: stop the survivor, then send 3 requests
  const allDown: ClientResults['allDown'] = [];
  if (kill) {
    const survivor: ReplicaName = kill.which === 'A' ? 'B' : 'A';
    await ask({ type: 'kill', which: survivor, waitExit: true, signal: 'SIGKILL' }, 'killed');
    await sleep(500);
    const d0 = performance.now();
    for (let k = 0; k < 3; k++) {
      const r = await call(primary, 'alldown', d0, { log: true }, REQ_TIMEOUT_MS);
      allDown.push({ outcome: r.outcome, ms: Math.round(r.ms), err: r.err });
    }
  }

  const results: ClientResults = { records, latency, trace, traceErrors, kill, allDown };
  send({ type: 'results', results });
  await Promise.race([Promise.all(clients.map((c) => c.close())), sleep(2_000)]);
  setTimeout(() => process.exit(0), 200);
}

// ---------------------------------------------------------------------------------------------
// orchestrator
// ---------------------------------------------------------------------------------------------

interface Args {
  transports: TransportName[];
  n: number;
  concurrency: number;
  total: number;
  warmup: number;
  killSignal: NodeJS.Signals;
  payloadBytes: number;
  json?: string;
}

function parseArgs(): Args {
  const a: Record<string, string> = {};
  for (const s of process.argv.slice(2)) {
    const m = /^--([^=]+)=(.*)$/.exec(s);
    if (m) a[m[1]] = m[2];
  }
  const transports = (a.transports ? a.transports.split(',') : [...ALL_TRANSPORTS]) as TransportName[];
  for (const t of transports) if (!ALL_TRANSPORTS.includes(t)) throw new Error(`unknown transport ${t}`);
  const killSignal = (a['kill-signal'] ?? 'SIGKILL') as NodeJS.Signals;
  if (killSignal !== 'SIGKILL' && killSignal !== 'SIGTERM') throw new Error('--kill-signal must be SIGKILL or SIGTERM');
  return {
    transports,
    n: Number(a.n ?? 5000),
    concurrency: Number(a.concurrency ?? 64),
    total: Number(a.total ?? 2000),
    warmup: Number(a.warmup ?? 500),
    killSignal,
    payloadBytes: Number(a['payload-bytes'] ?? 0),
    json: a.json,
  };
}

const children = new Set<ChildProcess>();

function killAllChildren(): void {
  for (const c of children) {
    if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  children.clear();
}

function spawnChild(role: 'replica' | 'client', cfg: unknown, logFile: string, nodePath?: string): ChildProcess {
  const isTs = __filename.endsWith('.ts');
  const execArgv = isTs ? ['-r', require.resolve('ts-node/register/transpile-only')] : [];
  const fd = fs.openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = { ...process.env, RPC_BENCH_ROLE: role, RPC_BENCH_CFG: JSON.stringify(cfg) };
  if (nodePath) env.NODE_PATH = [nodePath, process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
  const child = fork(__filename, [], { execArgv, env, stdio: ['ignore', fd, fd, 'ipc'] });
  fs.closeSync(fd);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function waitMessage(child: ChildProcess, type: string, ms: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: Record<string, unknown>) => {
      if (m?.type === type) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code: number | null, sig: string | null) => {
      cleanup();
      reject(new Error(`child ${child.pid} exited (${code ?? sig}) before '${type}'`));
    };
    const t = setTimeout(() => {
      cleanup();
      reject(new Error(`timeout waiting for '${type}' from ${child.pid}`));
    }, ms);
    const cleanup = () => {
      clearTimeout(t);
      child.off('message', onMsg);
      child.off('exit', onExit);
    };
    child.on('message', onMsg);
    child.on('exit', onExit);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Round-robin L4 proxy: one backend per client connection, like a ClusterIP Service. */
async function startProxy(backends: { name: string; port: number }[]) {
  let rr = 0;
  const log: { backend: string; attempt: number }[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('error', () => undefined);
    const tryBackend = (attempt: number) => {
      if (attempt >= backends.length) {
        c.destroy();
        return;
      }
      const b = backends[rr++ % backends.length];
      const up = net.connect({ host: '127.0.0.1', port: b.port, noDelay: true });
      sockets.add(up);
      up.on('close', () => sockets.delete(up));
      let connected = false;
      up.once('connect', () => {
        connected = true;
        log.push({ backend: b.name, attempt });
        c.pipe(up);
        up.pipe(c);
        c.on('close', () => up.destroy());
        up.on('close', () => c.destroy());
      });
      up.on('error', () => {
        if (!connected) tryBackend(attempt + 1); // endpoint gone: try the next one
        else c.destroy();
      });
    };
    tryBackend(0);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return {
    port,
    log,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

function amqpDir(): string | null {
  try {
    require.resolve('amqplib');
    require.resolve('amqp-connection-manager');
    return '';
  } catch {
    /* not in the project */
  }
  const dirs = [process.env.RPC_BENCH_AMQP_DIR, '/tmp/rpc-bench-deps/node_modules'].filter((d): d is string => !!d);
  for (const d of dirs) {
    if (fs.existsSync(path.join(d, 'amqplib', 'package.json')) && fs.existsSync(path.join(d, 'amqp-connection-manager', 'package.json'))) return d;
  }
  return null;
}

interface DeliveryRow {
  phase: string;
  sent: number;
  ok: number;
  errors: number;
  timeouts: number;
  answeredBy: Record<string, number>;
  handledBy: Record<string, number>;
  handledByBoth: number;
  handledByNone: number;
  handledButUnanswered: number;
}

interface TransportResult {
  transport: TransportName;
  prefix: string;
  skipped?: string;
  failed?: string;
  latency?: LatencySummary[];
  delivery?: DeliveryRow[];
  trace?: TraceResult[];
  traceErrors?: string[];
  failure?: Record<string, unknown>;
  allDown?: ClientResults['allDown'];
  proxyLog?: { backend: string; attempt: number }[];
  logs: string[];
}

function delivery(phase: string, recs: Rec[], handled: Record<ReplicaName, Set<number>>): DeliveryRow {
  const row: DeliveryRow = {
    phase,
    sent: recs.length,
    ok: 0,
    errors: 0,
    timeouts: 0,
    answeredBy: { A: 0, B: 0 },
    handledBy: { A: 0, B: 0 },
    handledByBoth: 0,
    handledByNone: 0,
    handledButUnanswered: 0,
  };
  for (const r of recs) {
    if (r.outcome === 'ok') {
      row.ok++;
      row.answeredBy[r.replica ?? '?'] = (row.answeredBy[r.replica ?? '?'] ?? 0) + 1;
    } else if (r.outcome === 'timeout') row.timeouts++;
    else row.errors++;
    const a = handled.A.has(r.n);
    const b = handled.B.has(r.n);
    if (a) row.handledBy.A++;
    if (b) row.handledBy.B++;
    if (a && b) row.handledByBoth++;
    if (!a && !b) row.handledByNone++;
    if ((a || b) && r.outcome !== 'ok') row.handledButUnanswered++;
  }
  return row;
}

async function runTransport(t: TransportName, args: Args, runDir: string, amqp: string | null): Promise<TransportResult> {
  const prefix = `rpcbench-${t}-${randomBytes(4).toString('hex')}`;
  const res: TransportResult = { transport: t, prefix, logs: [] };

  // preconditions
  if (t === 'rmq' || t === 'rmq-ack') {
    if (amqp === null) {
      res.skipped =
        'amqplib / amqp-connection-manager not installed (npm install --prefix /tmp/rpc-bench-deps amqplib amqp-connection-manager)';
      return res;
    }
    const u = new URL(AMQP_URL);
    if (!(await reachable(u.hostname, Number(u.port || 5672)))) return { ...res, skipped: `RabbitMQ not reachable at ${u.host}` };
  }
  if (t === 'redis' && !(await reachable(REDIS_HOST, REDIS_PORT))) return { ...res, skipped: 'Redis not reachable' };
  if (t.startsWith('nats')) {
    const u = new URL(NATS_URL);
    if (!(await reachable(u.hostname, Number(u.port || 4222)))) return { ...res, skipped: 'NATS not reachable' };
  }
  const nodePath = amqp || undefined;

  const ports = t === 'tcp' ? { A: await freePort(), B: await freePort() } : undefined;
  const replicas: Record<ReplicaName, ChildProcess> = {} as never;
  const killed = new Set<ReplicaName>();
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  const handledFile = (n: ReplicaName) => path.join(runDir, `${t}-${n}.handled`);

  try {
    for (const name of ['A', 'B'] as ReplicaName[]) {
      const logFile = path.join(runDir, `${t}-replica-${name}.log`);
      res.logs.push(logFile);
      const cfg: ReplicaCfg = { transport: t, name, prefix, port: ports?.[name], handledFile: handledFile(name) };
      replicas[name] = spawnChild('replica', cfg, logFile, nodePath);
    }
    await Promise.all((['A', 'B'] as ReplicaName[]).map((n) => waitMessage(replicas[n], 'ready', 30_000)));

    let endpoints: Endpoint[];
    switch (t) {
      case 'tcp': {
        if (!ports) throw new Error('no ports');
        proxy = await startProxy([
          { name: 'A', port: ports.A },
          { name: 'B', port: ports.B },
        ]);
        endpoints = [
          { label: 'tcp (direct to one replica)', options: { host: '127.0.0.1', port: ports.A } },
          { label: 'tcp (via round-robin L4 proxy)', options: { host: '127.0.0.1', port: proxy.port } },
        ];
        break;
      }
      case 'redis':
        endpoints = [{ label: 'redis', options: { host: REDIS_HOST, port: REDIS_PORT } }];
        break;
      case 'nats':
        endpoints = [{ label: 'nats (queue group)', options: { servers: [NATS_URL] } }];
        break;
      case 'nats-noqueue':
        endpoints = [{ label: 'nats (no queue group)', options: { servers: [NATS_URL] } }];
        break;
      case 'rmq':
      case 'rmq-ack':
        endpoints = [
          {
            label: t === 'rmq' ? 'rabbitmq (noAck, Nest default)' : 'rabbitmq (manual ack, prefetch 16)',
            options: { urls: [AMQP_URL], queue: prefix, queueOptions: rmqQueueOptions(), socketOptions: rmqSocketOptions() },
          },
        ];
        break;
    }

    const clientCfg: ClientCfg = {
      transport: t,
      prefix,
      endpoints,
      n: args.n,
      concurrency: args.concurrency,
      total: args.total,
      warmup: args.warmup,
      payloadBytes: args.payloadBytes,
    };
    const clientLog = path.join(runDir, `${t}-client.log`);
    res.logs.push(clientLog);
    const client = spawnChild('client', clientCfg, clientLog, nodePath);

    const snapshot: Record<ReplicaName, number[]> = { A: [], B: [] };
    const resultsP = new Promise<ClientResults>((resolve, reject) => {
      client.on('message', (m: Record<string, unknown>) => {
        void (async () => {
          try {
            if (m.type === 'snapshot') {
              const reps = await Promise.all(
                (['A', 'B'] as ReplicaName[]).map((n) => {
                  const p = waitMessage(replicas[n], 'report', 15_000);
                  replicas[n].send({ type: 'report' });
                  return p;
                }),
              );
              for (const r of reps) snapshot[r.name as ReplicaName] = r.handled as number[];
              client.send({ type: 'snapshot-done' });
            } else if (m.type === 'kill') {
              const which = m.which as ReplicaName;
              const child = replicas[which];
              const signal = (m.signal as NodeJS.Signals) ?? args.killSignal;
              const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
              if (child.pid !== undefined) process.kill(child.pid, signal); // by PID, a child we started
              killed.add(which);
              if (m.waitExit) await Promise.race([exited, sleep(5_000)]);
              client.send({ type: 'killed', which, pid: child.pid, signal });
            } else if (m.type === 'results') {
              resolve(m.results as ClientResults);
            }
          } catch (e) {
            reject(e);
          }
        })();
      });
      client.on('exit', (code) => reject(new Error(`client exited (${code}) before sending results; see ${clientLog}`)));
    });
    let budget: NodeJS.Timeout | undefined;
    const results = await Promise.race([
      resultsP,
      new Promise<never>((_, reject) => {
        budget = setTimeout(() => reject(new Error(`transport ${t} exceeded ${PER_TRANSPORT_TIMEOUT_MS} ms`)), PER_TRANSPORT_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(budget));

    // analysis
    res.latency = results.latency;
    res.trace = results.trace;
    res.traceErrors = results.traceErrors;
    res.allDown = results.allDown;
    res.proxyLog = proxy?.log;
    const primaryLabel = endpoints[endpoints.length - 1].label;
    const preKill = { A: new Set(snapshot.A), B: new Set(snapshot.B) };
    const readHandled = (n: ReplicaName) =>
      new Set(
        fs.existsSync(handledFile(n))
          ? fs
              .readFileSync(handledFile(n), 'utf8')
              .split('\n')
              .filter(Boolean)
              .map(Number)
          : [],
      );
    const killHandled = { A: readHandled('A'), B: readHandled('B') };
    const byPhase = (p: string) => results.records.filter((r) => r.phase === p);
    res.delivery = [
      delivery(`sequential (${primaryLabel})`, byPhase(`seq:${primaryLabel}`), preKill),
      delivery(`concurrent (${primaryLabel})`, byPhase(`conc:${primaryLabel}`), preKill),
      delivery(`replica stopped mid-run`, byPhase('kill'), killHandled),
    ];
    const k = results.kill;
    if (k) {
      const recs = byPhase('kill');
      const after = recs.filter((r) => r.t1 >= k.tKill);
      const errs: Record<string, number> = {};
      for (const r of after.filter((x) => x.outcome !== 'ok')) errs[r.err ?? r.outcome] = (errs[r.err ?? r.outcome] ?? 0) + 1;
      const okTimes = recs.filter((r) => r.outcome === 'ok').map((r) => r.t1).sort((a, b) => a - b);
      let maxGap = 0;
      for (let i = 1; i < okTimes.length; i++) maxGap = Math.max(maxGap, okTimes[i] - okTimes[i - 1]);
      const firstOkAfter = recs.filter((r) => r.outcome === 'ok' && r.t0 >= k.tKill).sort((a, b) => a.t1 - b.t1)[0];
      const survivor = k.which === 'A' ? 'B' : 'A';
      res.failure = {
        stopped: `${k.which} (pid ${k.pid}, ${k.signal}) at t=${k.tKill.toFixed(0)} ms`,
        okBeforeStop: recs.filter((r) => r.outcome === 'ok' && r.t1 < k.tKill).length,
        okAfterStop: after.filter((r) => r.outcome === 'ok').length,
        okAfterStopFromSurvivor: after.filter((r) => r.outcome === 'ok' && r.replica === survivor).length,
        failedAfterStop: after.filter((r) => r.outcome !== 'ok').length,
        failureKinds: errs,
        firstOkIssuedAfterStopMs: firstOkAfter ? Math.round(firstOkAfter.t1 - k.tKill) : null,
        longestGapBetweenSuccessesMs: Math.round(maxGap),
        // ok/failed completions per 500 ms bucket of the failure phase
        timeline: Array.from({ length: Math.ceil(Math.max(...recs.map((r) => r.t1), 0) / 500) }, (_, i) => {
          const inB = recs.filter((r) => r.t1 >= i * 500 && r.t1 < (i + 1) * 500);
          return `${i * 500}ms:${inB.filter((r) => r.outcome === 'ok').length}ok/${inB.filter((r) => r.outcome !== 'ok').length}fail`;
        }).join(' '),
      };
    }
  } catch (e) {
    res.failed = errMessage(e);
  } finally {
    for (const n of ['A', 'B'] as ReplicaName[]) {
      const c = replicas[n];
      if (c?.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    proxy?.close();
    killAllChildren();
  }
  return res;
}

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join('/');
const loadAtStart = loadavg(); // the machine may be shared: background load skews the figures

const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

function printReport(all: TransportResult[], args: Args): void {
  const out: string[] = [];
  out.push(
    `\n## Results (node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}; N=${args.n} sequential, ${args.total} at ${args.concurrency} in flight; kill signal ${args.killSignal}${args.payloadBytes ? `; payload +${args.payloadBytes} B` : ''}; load average at start ${loadAtStart}, at end ${loadavg()})\n`,
  );
  out.push('### Latency (client-side round trip, ms) and throughput\n');
  out.push('| endpoint | seq p50 | seq p90 | seq p99 | seq req/s | conc p50 | conc p90 | conc p99 | conc req/s | failed |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of all) {
    if (r.skipped || r.failed || !r.latency) {
      out.push(`| ${r.transport} | ${r.skipped ? `skipped: ${r.skipped}` : `FAILED: ${r.failed}`} |||||||||`);
      continue;
    }
    const lat = r.latency;
    const labels = [...new Set(lat.map((l) => l.label))];
    for (const label of labels) {
      const s = lat.find((l) => l.label === label && l.kind === 'seq');
      const c = lat.find((l) => l.label === label && l.kind === 'conc');
      if (!s || !c) continue;
      out.push(
        `| ${label} | ${f(s.p50)} | ${f(s.p90)} | ${f(s.p99)} | ${f(s.rps, 0)} | ${f(c.p50)} | ${f(c.p90)} | ${f(c.p99)} | ${f(c.rps, 0)} | ${s.count - s.ok + c.count - c.ok} |`,
      );
    }
  }
  out.push('\n### Replica delivery (answered = which replica\'s reply the client got; handled = which replica ran the handler)\n');
  out.push('| transport | phase | sent | ok | err | timeout | answered A/B | handled A/B | handled by BOTH | handled by none | handled, no reply |');
  out.push('|---|---|---:|---:|---:|---:|---|---|---:|---:|---:|');
  for (const r of all) {
    for (const d of r.delivery ?? []) {
      out.push(
        `| ${r.transport} | ${d.phase} | ${d.sent} | ${d.ok} | ${d.errors} | ${d.timeouts} | ${d.answeredBy.A ?? 0}/${d.answeredBy.B ?? 0} | ${d.handledBy.A}/${d.handledBy.B} | ${d.handledByBoth} | ${d.handledByNone} | ${d.handledButUnanswered} |`,
      );
    }
  }
  out.push('\n### Trace context (W3C traceparent)\n');
  out.push('| transport | header API on the server | header arrived | payload copy arrived | replicas seen |');
  out.push('|---|---|---|---|---|');
  for (const r of all) {
    if (!r.trace) continue;
    const t0 = r.trace[0];
    const hdrOk = r.trace.length > 0 && r.trace.every((x) => x.header === TP_HEADER);
    const plOk = r.trace.length > 0 && r.trace.every((x) => x.payload === TP_PAYLOAD);
    out.push(
      `| ${r.transport} | ${t0?.headerApi ?? 'n/a'} | ${t0?.headerApi.startsWith('none') ? 'no header channel' : hdrOk ? 'yes' : 'NO'} | ${plOk ? 'yes' : 'NO'} | ${[...new Set(r.trace.map((x) => x.replica))].join(',')}${r.traceErrors?.length ? ` errors: ${r.traceErrors.join('; ')}` : ''} |`,
    );
  }
  out.push('\n### Failure behaviour (load: 8 in flight, 5 ms handler, 2 s request timeout)\n');
  for (const r of all) {
    if (!r.failure) continue;
    out.push(`- **${r.transport}**: ${JSON.stringify(r.failure)}`);
    out.push(`  - no replica left (3 requests, 2 s timeout): ${JSON.stringify(r.allDown)}`);
    if (r.proxyLog) out.push(`  - proxy connections (backend chosen per connection): ${JSON.stringify(r.proxyLog)}`);
  }
  console.log(out.join('\n'));
}

async function orchestrate(): Promise<void> {
  const args = parseArgs();
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rpc-bench-'));
  const globalTimer = setTimeout(() => {
    console.error(`global timeout (${GLOBAL_TIMEOUT_MS} ms): killing children and exiting`);
    killAllChildren();
    process.exit(2);
  }, GLOBAL_TIMEOUT_MS);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      killAllChildren();
      process.exit(130);
    });
  }
  process.on('exit', killAllChildren);

  const amqp = amqpDir();
  if (amqp === null && args.transports.some((t) => t.startsWith('rmq'))) {
    console.log('RabbitMQ rows will be skipped: amqplib and amqp-connection-manager are not installed.');
    console.log('  To include them: npm install --prefix /tmp/rpc-bench-deps amqplib@2.3.1 amqp-connection-manager@5.0.0');
  }
  console.log(`run ${runId}; child logs in ${runDir}`);
  const all: TransportResult[] = [];
  for (const t of args.transports) {
    const t0 = performance.now();
    process.stdout.write(`- ${t} ... `);
    const r = await runTransport(t, args, runDir, amqp);
    console.log(r.skipped ? `skipped (${r.skipped})` : r.failed ? `FAILED (${r.failed})` : `done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    all.push(r);
  }
  printReport(all, args);
  const jsonPath = args.json ?? path.join(process.cwd(), 'tmp', `rpc-bench-${runId}.json`);
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  fs.writeFileSync(jsonPath, JSON.stringify({ runId, node: process.version, loadAtStart, loadAtEnd: loadavg(), args, results: all }, null, 2));
  console.log(`\nraw results: ${jsonPath}`);
  clearTimeout(globalTimer);
  killAllChildren();
}

const role = process.env.RPC_BENCH_ROLE;
const main = role === 'replica' ? runReplica : role === 'client' ? runClient : orchestrate;
main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  killAllChildren();
  process.exit(1);
});
