/**
 * Finding processes through /proc: by program name, as a process tree, by listening TCP port. Root can read every
 * process's exe and fds; as another user, processes of other users are simply not found (callers report that).
 */
import fs from 'node:fs';
import path from 'node:path';
import { readProcStat } from './proc-stat';

/** Every pid in /proc right now. */
export function listPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Base name of the process's executable ('postgres', 'redis-server', 'node'), or undefined if unreadable. */
export function exeName(pid: number): string | undefined {
  try {
    return path.basename(fs.readlinkSync(`/proc/${pid}/exe`)).replace(/ \(deleted\)$/, '');
  } catch {
    return undefined;
  }
}

/** Arguments of a process (NUL-separated in /proc). */
export function cmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Processes of a program, by executable name, argv[0] or comm: Debian's redis-server is a symlink to
 * redis-check-rdb, so /proc/<pid>/exe alone does not name it.
 */
export function pidsByProgram(name: string): number[] {
  return listPids().filter((pid) => {
    if (exeName(pid) === name) return true;
    const argv0 = cmdline(pid)[0];
    if (argv0 && path.basename(argv0.split(' ')[0] as string) === name) return true;
    return readProcStat(pid)?.comm === name.slice(0, 15); // comm is truncated to 15 characters
  });
}

/** The process and all its descendants (one /proc scan). */
export function processTree(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const pid of listPids()) {
    const stat = readProcStat(pid);
    if (!stat) continue;
    const siblings = byParent.get(stat.ppid) ?? [];
    siblings.push(pid);
    byParent.set(stat.ppid, siblings);
  }
  const tree: number[] = [];
  const queue = [root];
  // Bounded: each pid is visited once (a pid tree has no cycles; the guard is for pid reuse races).
  while (queue.length && tree.length < 100_000) {
    const pid = queue.shift() as number;
    if (tree.includes(pid)) continue;
    tree.push(pid);
    queue.push(...(byParent.get(pid) ?? []));
  }
  return tree;
}

/** Socket inodes listening on a TCP port (IPv4 and IPv6), from /proc/net/tcp{,6}. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st ... inode (index 9); st 0A = LISTEN.
      if (cols.length < 10 || cols[3] !== '0A') continue;
      const localPort = parseInt((cols[1] ?? '').split(':')[1] ?? '', 16);
      if (localPort === port) inodes.add(cols[9] as string);
    }
  }
  return inodes;
}

/** Which of `candidates` holds a socket listening on `port` (the machine's Redis on 6379, not a test one). */
export function pidsListeningOn(port: number, candidates: readonly number[]): number[] {
  const inodes = listeningInodes(port);
  if (!inodes.size) return [];
  return candidates.filter((pid) => {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      return false;
    }
    return fds.some((fd) => {
      try {
        const link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        return link.startsWith('socket:[') && inodes.has(link.slice(8, -1));
      } catch {
        return false;
      }
    });
  });
}

/** Processes of program `exe` that listen on `port`; all processes of that exe when none can be matched to the port. */
export function serverPids(exe: string, port: number): { pids: number[]; matchedPort: boolean } {
  const all = pidsByProgram(exe);
  const listening = pidsListeningOn(port, all);
  return listening.length ? { pids: listening, matchedPort: true } : { pids: all, matchedPort: false };
}
