// Container counters straight from the cgroup filesystem plus /proc/<pid>/net/dev: the cheapest stats
// path (no work inside dockerd). Works on the host, or in a container run with --pid host and
// /sys/fs/cgroup mounted read-only (and --cgroupns host on cgroup v2).
import { existsSync, readFileSync } from 'node:fs';
import type { Counters } from './formulas.js';
import { isSelfOrDescendant, processGone, readNetDev, readSystemCpu } from './proc.js';
import {
  parseBlkioV1,
  parseCgroupNumber,
  parseIoStatV2,
  parseKeyValues,
  parseProcCgroup,
  parseProcIo,
  parseProcList,
} from './procfs-parse.js';

const CGROUP_ROOT = process.env['COLLECTOR_CGROUP_ROOT'] ?? '/sys/fs/cgroup';
const PROC = process.env['COLLECTOR_PROC'] ?? '/proc';

export type CgroupVersion = 1 | 2;

/** v2 (unified) has cgroup.controllers at the root; v1 and hybrid have per-controller mounts. */
export function cgroupVersionAt(root: string): CgroupVersion {
  return existsSync(`${root}/cgroup.controllers`) ? 2 : 1;
}

export function detectCgroupVersion(): CgroupVersion {
  return cgroupVersionAt(CGROUP_ROOT);
}

/** Directories holding one container's cgroup files. */
export interface CgroupDirs {
  version: CgroupVersion;
  cpu: string;
  memory: string;
  blkio: string;
  pids: string;
}

function firstExisting(candidates: string[]): string | undefined {
  return candidates.find((d) => existsSync(d));
}

function procCgroupPaths(pid: number): Map<string, string> {
  try {
    return parseProcCgroup(readFileSync(`${PROC}/${pid}/cgroup`, 'utf8'));
  } catch {
    return new Map(); // process not visible (no --pid host): only the layout guesses remain
  }
}

/**
 * Where a container's cgroup lives: the path in /proc/<pid>/cgroup first, then the usual
 * cgroupfs/systemd driver layouts (a collector in its own cgroup namespace sees relative paths).
 */
export function cgroupDirs(version: CgroupVersion, containerId: string, pid: number): CgroupDirs | undefined {
  return dirsOf(version, procCgroupPaths(pid), [`docker/${containerId}`, `system.slice/docker-${containerId}.scope`]);
}

/** The directories /proc/<pid>/cgroup names, then each of `guesses` (paths under the hierarchy's root). */
function dirsOf(version: CgroupVersion, own: Map<string, string>, guesses: readonly string[]): CgroupDirs | undefined {
  if (version === 2) {
    const dir = firstExisting([...(own.has('') ? [`${CGROUP_ROOT}${own.get('')}`] : []), ...guesses.map((g) => `${CGROUP_ROOT}/${g}`)]);
    return dir ? { version, cpu: dir, memory: dir, blkio: dir, pids: dir } : undefined;
  }
  const dirFor = (controller: string, mount: string): string | undefined =>
    firstExisting([
      ...(own.has(controller) ? [`${CGROUP_ROOT}/${mount}${own.get(controller)}`] : []),
      ...guesses.map((g) => `${CGROUP_ROOT}/${mount}/${g}`),
    ]);
  const cpu = dirFor('cpuacct', 'cpuacct');
  const memory = dirFor('memory', 'memory');
  if (!cpu || !memory) return undefined;
  return { version, cpu, memory, blkio: dirFor('blkio', 'blkio') ?? '', pids: dirFor('pids', 'pids') ?? '' };
}

/**
 * The cgroup of a native process when it is the process's own (the native driver made it, or systemd's
 * scope): every process in its CPU and memory groups is `pid` or a descendant of it. A process that
 * shares its parent's group (no cgroup could be made) gets undefined: that group's files would count the
 * parent, the collector, the whole host at the root, so such a process is read from /proc instead.
 */
export function ownCgroupDirs(version: CgroupVersion, pid: number): CgroupDirs | undefined {
  const dirs = dirsOf(version, procCgroupPaths(pid), []);
  if (!dirs) return undefined;
  const groups = version === 2 ? [dirs.cpu] : [dirs.cpu, dirs.memory];
  for (const dir of groups) {
    let members: number[];
    try {
      members = parseProcList(read(`${dir}/cgroup.procs`));
    } catch {
      return undefined;
    }
    if (!members.every((member) => isSelfOrDescendant(member, pid))) return undefined;
  }
  return dirs;
}
const read = (path: string): string => readFileSync(path, 'utf8');

function optional<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

// runc's blkio controller tries the CFQ file, then BFQ, then the throttle one, taking the first with data.
const BLKIO_V1_FILES = [
  'blkio.io_service_bytes_recursive',
  'blkio.bfq.io_service_bytes_recursive',
  'blkio.throttle.io_service_bytes_recursive',
];

function readBlkioV1(dir: string): { read: number; write: number } | null {
  let found: { read: number; write: number } | null = null;
  for (const file of BLKIO_V1_FILES) {
    const bytes = optional(() => parseBlkioV1(read(`${dir}/${file}`)));
    if (bytes && bytes.read + bytes.write > 0) return bytes;
    found ??= bytes;
  }
  return found;
}

/**
 * Whether this kernel counts block I/O in cgroup v1's blkio files. Kernels with blk-mq and no CFQ keep
 * the files but may never fill them (measured 2026-12-02 on this project's VM, kernel 6.18, scheduler
 * none: the root group's total stayed 0 after gigabytes of disk reads, and a container's after a
 * 16 MiB write with fsync; `docker stats` shows 0 B there too). The root group counts every task's I/O
 * where the files work, so a root total of 0 on a running system means they do not. Read with each
 * reading (one small file) rather than once, so the run's event and every reading answer alike.
 */
export function v1BlkioCounts(root = CGROUP_ROOT): boolean {
  const total = readBlkioV1(`${root}/blkio`);
  return total !== null && total.read + total.write > 0;
}

/**
 * Block I/O of a v1 group whose blkio files count nothing: /proc/<pid>/io (read_bytes: what its tasks
 * had fetched from storage; write_bytes: what they dirtied for writeback) summed over the group's
 * processes, the same for a container and a native service in its own group. A process that left meanwhile
 * is skipped; one whose file cannot be read (no ptrace rights) makes the reading missing, not smaller.
 */
function readGroupProcIo(dir: string): { read: number; write: number } | null {
  let read = 0;
  let write = 0;
  for (const pid of parseProcList(readFileSync(`${dir}/cgroup.procs`, 'utf8'))) {
    let io: { read: number | null; write: number | null };
    try {
      io = parseProcIo(readFileSync(`${PROC}/${pid}/io`, 'utf8'));
    } catch (err) {
      if (processGone(err)) continue;
      return null;
    }
    if (io.read === null || io.write === null) return null;
    read += io.read;
    write += io.write;
  }
  return { read, write };
}

/**
 * One reading. CPU and memory are required (their failure, e.g. ENOENT when the container just went
 * away, throws); block I/O, pids and network are recorded as missing when unreadable.
 */
export function readCgroupCounters(dirs: CgroupDirs, pid: number, hostMemory: number): Counters {
  let cpuTotalNs: number;
  let usage: number;
  let inactive: number | null;
  let limit: number | null;
  let blk: { read: number; write: number } | null;
  if (dirs.version === 1) {
    cpuTotalNs = parseCgroupNumber(read(`${dirs.cpu}/cpuacct.usage`)) ?? 0;
    usage = parseCgroupNumber(read(`${dirs.memory}/memory.usage_in_bytes`)) ?? 0;
    inactive = parseKeyValues(read(`${dirs.memory}/memory.stat`)).get('total_inactive_file') ?? null;
    limit = parseCgroupNumber(read(`${dirs.memory}/memory.limit_in_bytes`));
    blk = v1BlkioCounts() ? readBlkioV1(dirs.blkio) : optional(() => readGroupProcIo(dirs.memory));
  } else {
    cpuTotalNs = (parseKeyValues(read(`${dirs.cpu}/cpu.stat`)).get('usage_usec') ?? 0) * 1000;
    usage = parseCgroupNumber(read(`${dirs.memory}/memory.current`)) ?? 0;
    inactive = parseKeyValues(read(`${dirs.memory}/memory.stat`)).get('inactive_file') ?? null;
    limit = parseCgroupNumber(read(`${dirs.memory}/memory.max`));
    blk = optional(() => parseIoStatV2(read(`${dirs.blkio}/io.stat`)));
  }
  // Read right after the container's CPU counter, as dockerd does, to keep the two deltas aligned.
  const sys = readSystemCpu();
  const pids = optional(() => parseCgroupNumber(read(`${dirs.pids}/pids.current`)));
  const net = optional(() => readNetDev(pid));
  return {
    cpuTotalNs,
    systemCpuNs: sys.systemCpuNs,
    onlineCpus: sys.onlineCpus,
    memUsageBytes: usage,
    memInactiveFileBytes: inactive,
    // dockerd clamps an unlimited (or larger-than-RAM) limit to the host's memory
    memLimitBytes: limit === null || limit > hostMemory ? hostMemory : limit,
    netRxBytes: net?.rx ?? null,
    netTxBytes: net?.tx ?? null,
    blockReadBytes: blk?.read ?? null,
    blockWriteBytes: blk?.write ?? null,
    pids,
  };
}
