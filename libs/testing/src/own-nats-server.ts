import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** nats-server 2.9+ (Debian's package installs it in /usr/sbin); NATS_SERVER_BIN overrides. */
const NATS_SERVER = process.env.NATS_SERVER_BIN ?? (fs.existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

export interface OwnNatsServer {
  /** nats://127.0.0.1:<port> */
  readonly url: string;
  /** http://127.0.0.1:<port> (monitoring: /connz, /varz …) */
  readonly monitoringUrl: string;
  readonly pid: number;
  /** What the server logged so far (permission violations, authorization failures …). */
  log(): string;
  stop(): Promise<void>;
}

/** Servers of this process still running: killed if the test process exits first. Only pids we started. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * A nats-server of a test's own, for what the machine's NATS (no authorization) cannot show: started with the
 * given configuration and environment (its $VARIABLES), bound to loopback on ports the server picks itself and
 * reports in its ports file, so no port is guessed. Bounded: refuses after `readyTimeoutMs`.
 */
export async function startOwnNatsServer(options: { config: string; env?: Record<string, string>; readyTimeoutMs?: number }): Promise<OwnNatsServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scep-nats-'));
  const configFile = path.join(dir, 'nats.conf');
  const logFile = path.join(dir, 'nats.log');
  fs.writeFileSync(configFile, options.config);
  const log = fs.openSync(logFile, 'a');
  const child = spawn(NATS_SERVER, ['-c', configFile, '-a', '127.0.0.1', '-p', '-1', '-m', '-1', '--ports_file_dir', dir], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  running.add(child);
  const readLog = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = await waitForPortsFile(child, path.join(dir, `${path.basename(NATS_SERVER)}_${child.pid}.ports`), options.readyTimeoutMs ?? 10_000, readLog);
    return { url: ports.nats[0] as string, monitoringUrl: ports.monitoring[0] as string, pid: child.pid as number, log: readLog, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForPortsFile(child: ChildProcess, file: string, timeoutMs: number, readLog: () => string): Promise<{ nats: string[]; monitoring: string[] }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nats-server exited (${child.exitCode ?? child.signalCode}):\n${readLog().slice(-2000)}`);
    if (fs.existsSync(file)) {
      try {
        const ports = JSON.parse(fs.readFileSync(file, 'utf8')) as { nats?: string[]; monitoring?: string[] };
        if (ports.nats?.length && ports.monitoring?.length) return { nats: ports.nats, monitoring: ports.monitoring };
      } catch {
        // written but not complete yet
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`nats-server not ready after ${timeoutMs} ms:\n${readLog().slice(-2000)}`);
}
