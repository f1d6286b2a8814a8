/**
 * CPU used by groups of processes between two instants, from /proc (whole processes, threads included).
 *
 * A group is re-enumerated at each snapshot (e.g. a PostgreSQL cluster gains and loses backends). A process that
 * exited in between is not lost: when its parent is in the group, the parent's cutime+cstime grew by the child's
 * whole lifetime CPU once it was reaped, so the group counts that growth and subtracts what the child had already
 * used at the first snapshot. A child that both started and exited in between is counted through the same growth.
 */
import { type ProcStat, readProcStat } from './proc-stat';

export interface ProcessGroup {
  readonly name: string;
  /** Current member pids (called at each snapshot). */
  members(): number[];
  /**
   * Count exited children through their parents' cutime/cstime. Off for a process whose children are groups of
   * their own (the launcher and its services), so nothing is counted twice.
   */
  readonly countExitedChildren: boolean;
}

export type GroupSnapshot = ReadonlyMap<number, ProcStat>;

export function snapshotGroup(group: ProcessGroup): GroupSnapshot {
  const snapshot = new Map<number, ProcStat>();
  for (const pid of group.members()) {
    const stat = readProcStat(pid);
    if (stat) snapshot.set(pid, stat);
  }
  return snapshot;
}

const sameProcess = (a: ProcStat | undefined, b: ProcStat | undefined) => a !== undefined && b !== undefined && a.startTicks === b.startTicks;

/** CPU ms the group used between two snapshots of it. */
export function groupCpuMs(before: GroupSnapshot, after: GroupSnapshot, countExitedChildren: boolean): number {
  let ms = 0;
  for (const [pid, now] of after) {
    const then = before.get(pid);
    const known = sameProcess(then, now) ? then : undefined;
    ms += now.cpuMs - (known?.cpuMs ?? 0);
    if (countExitedChildren) ms += now.childrenCpuMs - (known?.childrenCpuMs ?? 0);
  }
  if (countExitedChildren) {
    for (const [pid, then] of before) {
      if (sameProcess(then, after.get(pid))) continue;
      // Exited: its lifetime CPU went into its parent's cutime (if the parent is still here and reaped it);
      // what it used before the first snapshot is not part of the interval.
      if (sameProcess(before.get(then.ppid), after.get(then.ppid))) ms -= then.cpuMs + then.childrenCpuMs;
    }
  }
  return Math.max(0, ms);
}

export interface GroupCpu {
  readonly name: string;
  readonly cpuMs: number;
  /** Processes in the group at the end (for the report: e.g. how many PostgreSQL backends). */
  readonly processes: number;
}

/** Measures several groups plus this process (the load generator) over one interval. */
export class CpuMeter {
  private before = new Map<string, GroupSnapshot>();
  private selfBefore: NodeJS.CpuUsage = process.cpuUsage();

  constructor(private readonly groups: readonly ProcessGroup[]) {}

  start(): void {
    this.before = new Map(this.groups.map((g) => [g.name, snapshotGroup(g)]));
    this.selfBefore = process.cpuUsage();
  }

  stop(): { groups: GroupCpu[]; selfCpuMs: number } {
    const self = process.cpuUsage(this.selfBefore);
    const groups = this.groups.map((g) => {
      const after = snapshotGroup(g);
      return { name: g.name, cpuMs: groupCpuMs(this.before.get(g.name) ?? new Map(), after, g.countExitedChildren), processes: after.size };
    });
    return { groups, selfCpuMs: (self.user + self.system) / 1000 };
  }
}
