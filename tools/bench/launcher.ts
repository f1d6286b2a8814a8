/**
 * The stack exactly as `npm start` runs it: `node tools/dev/start.mjs` of a checkout (this one, or --stack-dir),
 * with isolated settings (its own dev home, database, ports, Redis prefix and RPC namespace). We learn the SCEP URL
 * and the challenge from the two lines the launcher prints for scripts, and the services from /proc (children of
 * the launcher) — nothing about the services' insides.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { cmdline, listPids, readProcStat } from '../proc-accounting';
import { spawnTracked, stopProcess } from '../lifecycle';

export interface LauncherSettings {
  /** Checkout whose tools/dev/start.mjs runs (its own build, its own services). */
  readonly stackDir: string;
  readonly env: Record<string, string>;
  /** The launcher builds first: a cold tsc build of the monorepo takes minutes on a busy machine. */
  readonly readyTimeoutMs: number;
  readonly log: (line: string) => void;
}

export interface RunningLauncher {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly scepUrl: string;
  readonly challenge: string;
  /** Service name → pid, from the launcher's children (node …/dist/apps/<service>/src/main.js). */
  services(): Map<string, number>;
  stop(): Promise<void>;
}

const SERVICE_MAIN = /dist\/apps\/([a-z0-9-]+)\/src\/main\.js$/;

/** Children of `ppid` running a built service, by service name. */
export function servicesOf(ppid: number): Map<string, number> {
  const services = new Map<string, number>();
  for (const pid of listPids()) {
    if (readProcStat(pid)?.ppid !== ppid) continue;
    const main = cmdline(pid).find((arg) => SERVICE_MAIN.test(arg));
    const name = main?.match(SERVICE_MAIN)?.[1];
    if (name) services.set(name, pid);
  }
  return services;
}

export function startLauncher(settings: LauncherSettings): Promise<RunningLauncher> {
  const script = path.join(settings.stackDir, 'tools', 'dev', 'start.mjs');
  const child = spawnTracked(process.execPath, [script], { cwd: settings.stackDir, env: { ...process.env, ...settings.env } });
  const pid = child.pid as number;
  // Service pids as last seen: after the launcher is gone they are no longer its children, and only these (ours)
  // may still be killed by pid.
  let known = new Map<string, { pid: number; startTicks: number }>();
  const services = () => {
    const now = servicesOf(pid);
    if (now.size) known = new Map([...now].map(([name, p]) => [name, { pid: p, startTicks: readProcStat(p)?.startTicks ?? 0 }]));
    return now;
  };
  const stop = async () => {
    services();
    // SIGINT is Ctrl-C for the launcher: it stops its services (edges first) and exits.
    await stopProcess(child, 'SIGINT', 90_000);
    for (const [name, s] of known) {
      const stat = readProcStat(s.pid);
      if (stat && stat.startTicks === s.startTicks) {
        settings.log(`${name} (pid ${s.pid}) outlived the launcher: SIGKILL`);
        process.kill(s.pid, 'SIGKILL');
      }
    }
  };

  return new Promise((resolve, reject) => {
    let scepUrl = '';
    let challenge = '';
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`launcher not ready after ${settings.readyTimeoutMs / 1000} s`)), settings.readyTimeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      void stop().finally(() => reject(error));
    };
    const onLine = (line: string) => {
      const url = /^SCEP URL: (\S+)/.exec(line);
      const ch = /^Challenge: (\S+)/.exec(line);
      if (url) scepUrl = url[1] as string;
      if (ch) challenge = ch[1] as string;
      // Echo the launcher's progress, never the challenge (the bench keeps secrets out of its own output).
      else if (line.trim()) settings.log(`[launcher] ${line}`);
      if (scepUrl && challenge && !settled) {
        settled = true;
        clearTimeout(timer);
        services();
        resolve({ child, pid, scepUrl, challenge, services, stop });
      }
    };
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', onLine);
    readline.createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => settings.log(`[launcher] ${line}`));
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`launcher exited (${signal ?? code}) before printing the SCEP URL and challenge`)));
  });
}
