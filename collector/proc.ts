// Reads the host's /proc: host CPU time, host memory, a native process's counters, port → pid.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { Counters } from './formulas.js';
import {
  listeningInodes,
  parseMemTotal,
  parseNetDev,
  parseProcIo,
  parseProcPidStat,
  parseProcStat,
  parseProcStatus,
  parseBootTimeMs,
} from './procfs-parse.js';

const PROC = process.env['COLLECTOR_PROC'] ?? '/proc';
const CLK_TCK_NS = 1e9 / 100; // USER_HZ is 100 on Linux x86/arm; /proc/<pid>/stat counts in it
const CLK_TCK_MS = CLK_TCK_NS / 1e6;

export function readSystemCpu(): { systemCpuNs: number; onlineCpus: number } {
  return parseProcStat(readFileSync(`${PROC}/stat`, 'utf8'));
}

export function hostMemoryBytes(): number {
  return parseMemTotal(readFileSync(`${PROC}/meminfo`, 'utf8'));
}

/** Network bytes of the net namespace `pid` lives in (host-wide for a process in the host namespace). */
export function readNetDev(pid: number): { rx: number; tx: number } {
  return parseNetDev(readFileSync(`${PROC}/${pid}/net/dev`, 'utf8'));
}

/** Whether pid runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`${PROC}/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // /proc not mounted or not ours: kill(0) said it exists
  }
}

/**
 * Whether `pid` is `ancestor` or one of its descendants (parent links in /proc/<pid>/stat). A process
 * that is gone by now counts as one: it no longer shares anything.
 */
export function isSelfOrDescendant(pid: number, ancestor: number): boolean {
  let current = pid;
  // a bounded walk: a pid tree deeper than this is not a service's own children
  for (let depth = 0; depth < 64 && current > 0; depth++) {
    if (current === ancestor) return true;
    try {
      current = parseProcPidStat(readFileSync(`${PROC}/${current}/stat`, 'utf8')).ppid;
    } catch {
      return depth === 0; // `pid` itself exited meanwhile; an ancestor missing mid-walk means a broken chain
    }
  }
  return false;
}

/** When the process started, in ms since the epoch (to the boot time's whole second). Throws when it is gone. */
export function processStartMs(pid: number): number {
  const { startTicks } = parseProcPidStat(readFileSync(`${PROC}/${pid}/stat`, 'utf8'));
  return parseBootTimeMs(readFileSync(`${PROC}/stat`, 'utf8')) + startTicks * CLK_TCK_MS;
}

/** The argument vector of a process. Throws when it is gone or not readable. */
export function processArgv(pid: number): string[] {
  return readFileSync(`${PROC}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** Command line of a process for naming the native replica ("node dist/service/main.js"). */
export function processCommand(pid: number): string {
  try {
    const argv = processArgv(pid);
    if (argv.length > 0) return argv.join(' ').slice(0, 200);
  } catch {
    // fall through to comm
  }
  return parseProcPidStat(readFileSync(`${PROC}/${pid}/stat`, 'utf8')).comm;
}

/** Whether a read of /proc/<pid>/… failed because the process is gone: ENOENT, or ESRCH (a zombie; see readProcessCounters). */
export function processGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/**
 * Counters of one native process, shaped like a container's: CPU = utime+stime, memory = RSS (no page
 * cache to subtract), limit = host memory, pids = its threads, net = its namespace's interfaces (left out,
 * NULL, with `network: false`: a platform daemon in the host's namespace has no counters of its own).
 * Throws ENOENT (or ESRCH for a zombie: exited, not yet reaped) when the process is gone.
 */
export function readProcessCounters(pid: number, hostMemory: number, opts: { network: boolean } = { network: true }): Counters {
  const stat = parseProcPidStat(readFileSync(`${PROC}/${pid}/stat`, 'utf8'));
  if (stat.state === 'Z') throw Object.assign(new Error(`process ${pid} has exited (zombie)`), { code: 'ESRCH' });
  const sys = readSystemCpu();
  const status = parseProcStatus(readFileSync(`${PROC}/${pid}/status`, 'utf8'));
  let io: { read: number | null; write: number | null } = { read: null, write: null };
  try {
    io = parseProcIo(readFileSync(`${PROC}/${pid}/io`, 'utf8'));
  } catch {
    // /proc/<pid>/io needs ptrace rights over the process: recorded as missing, not zero
  }
  const net = opts.network ? readNetDev(pid) : { rx: null, tx: null };
  return {
    cpuTotalNs: stat.cpuTicks * CLK_TCK_NS,
    systemCpuNs: sys.systemCpuNs,
    onlineCpus: sys.onlineCpus,
    memUsageBytes: status.rssBytes,
    memInactiveFileBytes: null,
    memLimitBytes: hostMemory,
    netRxBytes: net.rx,
    netTxBytes: net.tx,
    blockReadBytes: io.read,
    blockWriteBytes: io.write,
    pids: status.threads,
  };
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The pid listening on a TCP port: the LISTEN socket's inode from /proc/net/tcp{,6}, then the process
 * holding "socket:[inode]" among its fds. undefined when nobody listens or the owner is not visible.
 */
export function findPidByPort(port: number): number | undefined {
  const inodes = new Set([
    ...listeningInodes(readOr(`${PROC}/net/tcp`), port),
    ...listeningInodes(readOr(`${PROC}/net/tcp6`), port),
  ]);
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  for (const entry of readdirSync(PROC)) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${PROC}/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`${PROC}/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

/** A process as a /proc scan sees it: pid and command name (`comm`, at most 15 characters). */
export interface ProcessEntry {
  pid: number;
  comm: string;
}

/** Every process visible in /proc, with its command name; one that exits mid-scan is left out. */
export function listProcesses(): ProcessEntry[] {
  const out: ProcessEntry[] = [];
  for (const entry of readdirSync(PROC)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.push({ pid: Number(entry), comm: readFileSync(`${PROC}/${entry}/comm`, 'utf8').trimEnd() });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * The child processes of pid: its main thread's `children` file (one small read; node forks from its
 * main thread), or, on a kernel without that file, a scan of every process's parent pid.
 */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`${PROC}/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !processExists(pid)) return [];
  }
  const children: number[] = [];
  for (const { pid: child } of listProcesses()) {
    try {
      if (parseProcPidStat(readFileSync(`${PROC}/${child}/stat`, 'utf8')).ppid === pid) children.push(child);
    } catch {
      // gone meanwhile
    }
  }
  return children;
}
