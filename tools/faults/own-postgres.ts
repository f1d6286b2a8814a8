/**
 * A PostgreSQL 15 cluster of the fault check's own: initdb into a temp dir, a free port, sockets in that dir, run
 * by pg_ctl (as the postgres user when we are root: PostgreSQL refuses to run as root). Only this cluster is ever
 * signalled: pids come from its own postmaster.pid and are checked to run on its data directory.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cmdline, processTree, readProcStat } from '../proc-accounting';
import { freePort, onCleanup } from '../lifecycle';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

function uidOf(user: string): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error(`running as root needs a "${user}" user to run PostgreSQL`);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export class OwnPostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /**
   * Runs a PostgreSQL binary (via runuser as root), bounded in time; throws with its output on failure. Async, so
   * the load keeps running while pg_ctl restarts the cluster.
   */
  private run(binary: string, args: string[], timeoutMs = 120_000): Promise<string> {
    const command = asRoot ? 'runuser' : path.join(PG_BIN, binary);
    const argv = asRoot ? ['-u', 'postgres', '--', path.join(PG_BIN, binary), ...args] : args;
    return new Promise((resolve, reject) => {
      execFile(command, argv, { encoding: 'utf8', timeout: timeoutMs, cwd: this.dir }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${binary} ${args[0] ?? ''} failed (${error.code ?? error.signal}): ${(stderr || stdout || '').slice(-1500)}`));
        else resolve(stdout);
      });
    });
  }

  static async create(parentDir: string): Promise<OwnPostgres> {
    const dir = fs.mkdtempSync(path.join(parentDir, 'pg-'));
    if (asRoot) {
      const { uid, gid } = uidOf('postgres');
      fs.chownSync(dir, uid, gid);
    }
    const pg = new OwnPostgres(dir, await freePort());
    // Registered before the cluster exists: whatever got started is stopped, even if start-up fails half-way.
    onCleanup('stop the test PostgreSQL', () => pg.destroy(), 60_000);
    await pg.run('initdb', ['-D', pg.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    // In the config file (not pg_ctl -o) so that `pg_ctl restart` brings it back on the same port and socket dir.
    fs.appendFileSync(
      path.join(pg.dataDir, 'postgresql.conf'),
      `\n# fault check\nport = ${pg.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\nmax_connections = 200\n`,
    );
    await pg.start();
    return pg;
  }

  async start(): Promise<void> {
    await this.run('pg_ctl', ['start', '-w', '-t', '60', '-D', this.dataDir, '-l', path.join(this.dir, 'postgres.log')]);
  }

  /** `pg_ctl restart -m fast`: what an operator or a package upgrade does. */
  async restart(): Promise<void> {
    await this.run('pg_ctl', ['restart', '-m', 'fast', '-w', '-t', '60', '-D', this.dataDir, '-l', path.join(this.dir, 'postgres.log')]);
  }

  isRunning(): boolean {
    return this.postmasterPid() !== undefined;
  }

  /** The postmaster of this cluster (from its postmaster.pid, checked against /proc), if it runs. */
  postmasterPid(): number | undefined {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
    if (!pid || !readProcStat(pid)) return undefined;
    // A stale pid file may name a pid reused by anything: only our postmaster has our data dir on its command line.
    return cmdline(pid).some((arg) => arg.includes(this.dataDir)) ? pid : undefined;
  }

  /** Every process of the cluster: postmaster and descendants. */
  clusterPids(): number[] {
    const postmaster = this.postmasterPid();
    return postmaster ? processTree(postmaster) : [];
  }

  /** SIGSTOP (or SIGCONT) to every process of the cluster. */
  signalCluster(signal: 'SIGSTOP' | 'SIGCONT', pids = this.clusterPids()): number[] {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited between the scan and the signal
      }
    }
    return pids;
  }

  async destroy(): Promise<void> {
    const pids = this.clusterPids();
    this.signalCluster('SIGCONT', pids); // a frozen cluster cannot shut down
    if (pids.length) {
      try {
        await this.run('pg_ctl', ['stop', '-m', 'immediate', '-w', '-t', '20', '-D', this.dataDir], 30_000);
      } catch {
        for (const pid of pids) if (readProcStat(pid)) process.kill(pid, 'SIGKILL');
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
