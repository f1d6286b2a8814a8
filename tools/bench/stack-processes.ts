/**
 * The processes whose CPU an enrollment costs, found from the outside: the launcher and its service children,
 * every process of the PostgreSQL cluster (postmaster and descendants), and the redis-server / nats-server that
 * listen on the ports the stack uses. Shared servers also serve other clients: on a busy machine their figures
 * include that (the report says so).
 */
import { type ProcessGroup, processTree, readProcStat, serverPids } from '../proc-accounting';

export interface StackProcessInfo {
  readonly launcherPid: number;
  readonly services: ReadonlyMap<string, number>;
  readonly postmasterPid: number;
  readonly redisPort: number;
  readonly natsPort: number;
}

export const parentOf = (pid: number) => readProcStat(pid)?.ppid;

export function stackGroups(info: StackProcessInfo, notes: (line: string) => void): ProcessGroup[] {
  const server = (name: string, exe: string, port: number): ProcessGroup => {
    const found = serverPids(exe, port);
    if (!found.pids.length) notes(`no ${exe} process found in /proc: its CPU is not counted`);
    else if (!found.matchedPort) notes(`${exe}: no process seen listening on ${port}; counting every ${exe} (${found.pids.join(', ')})`);
    const pids = found.pids;
    return { name, members: () => pids.flatMap((p) => processTree(p)), countExitedChildren: true };
  };
  return [
    // The launcher's children are the services, reported on their own rows: its cutime is not added here.
    { name: 'launcher', members: () => [info.launcherPid], countExitedChildren: false },
    ...[...info.services].map(([name, pid]) => ({ name, members: () => processTree(pid), countExitedChildren: true })),
    { name: 'postgresql', members: () => processTree(info.postmasterPid), countExitedChildren: true },
    server('redis-server', 'redis-server', info.redisPort),
    server('nats-server', 'nats-server', info.natsPort),
  ];
}

export function micromdmGroups(pid: number): ProcessGroup[] {
  return [{ name: 'scepserver', members: () => processTree(pid), countExitedChildren: true }];
}
