/**
 * The fault check's own Redis and NATS: children of this process on free loopback ports, stopped and started
 * again on the same port by the scenarios. Output goes to files in the temp dir (a full pipe cannot stall them).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, isListening, onCleanup, spawnTracked, stopProcess, waitFor } from '../lifecycle';

export class OwnServer {
  private child?: ChildProcess;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: (port: number, dir: string) => string[],
    readonly port: number,
    private readonly dir: string,
  ) {
    onCleanup(`stop the test ${name}`, () => this.stop());
  }

  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  async start(): Promise<void> {
    if (this.pid) return;
    const log = fs.openSync(path.join(this.dir, `${this.name}.log`), 'a');
    this.child = spawnTracked(this.command, this.args(this.port, this.dir), { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const child = this.child;
    await waitFor(`${this.name} on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`${this.name} exited (${child.exitCode}): see ${path.join(this.dir, `${this.name}.log`)}`);
      return isListening(this.port);
    }, 20_000);
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.signal('SIGCONT'); // a frozen server cannot exit on SIGTERM
    await stopProcess(this.child, 'SIGTERM', 10_000);
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.pid) process.kill(this.pid, signal);
  }

  async ensureRunning(): Promise<void> {
    this.signal('SIGCONT');
    if (!this.pid || !(await isListening(this.port))) {
      await this.stop();
      await this.start();
    }
  }
}


/** redis-server without persistence: a stop loses every key (the scenario is exactly that). */
export async function ownRedis(dir: string): Promise<OwnServer> {
  const server = new OwnServer('redis', 'redis-server', (port, d) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', d], await freePort(), dir);
  await server.start();
  return server;
}

export async function ownNats(dir: string): Promise<OwnServer> {
  const server = new OwnServer('nats', 'nats-server', (port) => ['-a', '127.0.0.1', '-p', String(port)], await freePort(), dir);
  await server.start();
  return server;
}
