/**
 * micromdm's scepserver (Debian package `scep`) as the comparison point: a fresh RSA-2048 CA in a temp depot, on a
 * free port, static challenge, renewals allowed. Offline: it needs nothing but the loopback port.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, isListening, spawnTracked, stopProcess, waitFor } from '../lifecycle';

export interface RunningMicromdm {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly scepUrl: string;
  stop(): Promise<void>;
}

export const SCEPSERVER = process.env.SCEPSERVER_BIN ?? '/usr/bin/scepserver';

export async function startMicromdm(workDir: string, challenge: string): Promise<RunningMicromdm> {
  if (!fs.existsSync(SCEPSERVER)) throw new Error(`${SCEPSERVER} not found: apt-get install scep (or set SCEPSERVER_BIN)`);
  const depot = path.join(workDir, 'depot');
  const init = spawnSync(SCEPSERVER, ['ca', '-init', '-keySize', '2048', '-depot', depot], { encoding: 'utf8', timeout: 60_000 });
  if (init.status !== 0) throw new Error(`scepserver ca -init failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  // Its per-request log lines go to a file, so a full pipe can never stall it.
  const logFd = fs.openSync(path.join(workDir, 'scepserver.log'), 'a');
  // scepserver 2.1.0 has no listen-address flag (it binds every interface); we only ever reach it on 127.0.0.1.
  const child = spawnTracked(SCEPSERVER, ['-depot', depot, '-port', String(port), '-challenge', challenge, '-allowrenew', '0'], {
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const stop = () => stopProcess(child, 'SIGTERM', 10_000);
  try {
    await waitFor('scepserver to listen', async () => child.exitCode === null && (await isListening(port)), 30_000);
  } catch (error) {
    await stop();
    const tail = fs.readFileSync(path.join(workDir, 'scepserver.log'), 'utf8').slice(-2000);
    throw new Error(`${error instanceof Error ? error.message : String(error)}: ${tail}`, { cause: error });
  }
  return { child, pid: child.pid as number, scepUrl: `http://127.0.0.1:${port}/scep`, stop };
}
