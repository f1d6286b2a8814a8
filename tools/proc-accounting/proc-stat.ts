/**
 * One process's CPU counters from /proc/<pid>/stat (proc(5)). utime/stime cover every thread of the process;
 * cutime/cstime hold the CPU of children the process has waited for (e.g. exited PostgreSQL backends).
 */
import fs from 'node:fs';

/** USER_HZ is 100 on every Linux ABI Node runs on: one clock tick is 10 ms. */
export const TICK_MS = 10;

export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  /** utime + stime, ms. */
  readonly cpuMs: number;
  /** cutime + cstime, ms. */
  readonly childrenCpuMs: number;
  /** Start time after boot, in ticks: with the pid, it tells a process from a later one that reused its pid. */
  readonly startTicks: number;
}

/** The stat of a live process, or undefined when it is gone (or not readable). */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may itself contain spaces or ')': split after the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state) of proc(5): field N is f[N - 3].
  const num = (field: number) => Number(f[field - 3]);
  return {
    pid,
    comm,
    state: f[0] ?? '?',
    ppid: num(4),
    cpuMs: (num(14) + num(15)) * TICK_MS,
    childrenCpuMs: (num(16) + num(17)) * TICK_MS,
    startTicks: num(22),
  };
}
