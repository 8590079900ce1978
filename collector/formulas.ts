// The docker CLI's arithmetic (docker/cli stats_helpers.go), as pure functions over raw counters.
// Raw cumulative counters are what we store; percentages are derived from two consecutive readings.

/** One reading of a replica's cumulative counters. null = that counter could not be read. */
export interface Counters {
  cpuTotalNs: number | null; // cumulative CPU time of the replica
  systemCpuNs: number | null; // cumulative host CPU time: /proc/stat first 7 fields × 1e9 / 100
  onlineCpus: number | null;
  memUsageBytes: number | null; // raw cgroup usage (page cache included)
  memInactiveFileBytes: number | null; // v1 total_inactive_file, v2 inactive_file
  memLimitBytes: number | null; // clamped to host memory when unlimited, as dockerd does
  netRxBytes: number | null;
  netTxBytes: number | null;
  blockReadBytes: number | null;
  blockWriteBytes: number | null;
  pids: number | null;
}

/** What `docker stats` shows as memory: usage minus inactive file cache (only when that is smaller). */
export function memUsed(usage: number | null, inactiveFile: number | null): number | null {
  if (usage === null) return null;
  if (inactiveFile !== null && inactiveFile < usage) return usage - inactiveFile;
  return usage;
}

export function memPercent(used: number | null, limit: number | null): number | null {
  if (used === null || limit === null) return null;
  return limit > 0 ? (used / limit) * 100 : 0;
}

/**
 * CPU % the docker CLI way (calculateCPUPercentUnix): Δcpu / Δsystem × online CPUs × 100, so 100 = one
 * core. Like the CLI it is 0 when either delta is not positive; null when there is no previous reading
 * or a counter is missing (a missing value is never reported as 0).
 */
export function cpuPercent(prev: Counters | undefined, cur: Counters): number | null {
  if (!prev) return null;
  const { cpuTotalNs: c0, systemCpuNs: s0 } = prev;
  const { cpuTotalNs: c1, systemCpuNs: s1, onlineCpus } = cur;
  if (c0 === null || s0 === null || c1 === null || s1 === null || onlineCpus === null) return null;
  const cpuDelta = c1 - c0;
  const systemDelta = s1 - s0;
  if (cpuDelta > 0 && systemDelta > 0) return (cpuDelta / systemDelta) * onlineCpus * 100;
  return 0;
}

/** Host CPU time the way dockerd computes system_cpu_usage: first 7 fields of /proc/stat "cpu", ticks → ns. */
export function systemCpuNsFromTicks(ticks: readonly number[]): number {
  let sum = 0;
  for (const t of ticks.slice(0, 7)) sum += t;
  return (sum * 1e9) / 100; // CLK_TCK hard-coded to 100 in moby
}

// ---- Docker Engine API stats JSON (GET /containers/{id}/stats), cgroup v1 and v2 shapes ----

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}
interface BlkioEntry {
  op?: string;
  value?: number;
}
/** The fields of the stats JSON we use. Parsed once at the boundary by countersFromDockerStats. */
export interface DockerStatsJson {
  read?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: BlkioEntry[] | null };
  pids_stats?: { current?: number };
}

function onlineCpusOf(cpu: CpuStats | undefined): number | null {
  if (!cpu) return null;
  if (cpu.online_cpus) return cpu.online_cpus;
  const per = cpu.cpu_usage?.percpu_usage;
  return per && per.length > 0 ? per.length : null;
}

function cpuCounters(cpu: CpuStats | undefined): Pick<Counters, 'cpuTotalNs' | 'systemCpuNs' | 'onlineCpus'> {
  return {
    cpuTotalNs: cpu?.cpu_usage?.total_usage ?? null,
    systemCpuNs: cpu?.system_cpu_usage ?? null,
    onlineCpus: onlineCpusOf(cpu),
  };
}

function sumBlkio(entries: BlkioEntry[] | null | undefined, first: string): number | null {
  if (!entries) return null;
  let sum = 0;
  // The CLI matches the op's first letter: v1 writes "Read"/"Write", v2 "read"/"write".
  for (const e of entries) if (e.op && e.op[0]?.toLowerCase() === first) sum += e.value ?? 0;
  return sum;
}

/** Raw counters from one stats JSON object (v1 or v2 shape); the v2 key for inactive file differs. */
export function countersFromDockerStats(s: DockerStatsJson): Counters {
  const mem = s.memory_stats;
  const memStats = mem?.stats ?? {};
  const inactive = memStats['total_inactive_file'] ?? memStats['inactive_file'] ?? null;
  let rx: number | null = null;
  let tx: number | null = null;
  if (s.networks) {
    rx = 0;
    tx = 0;
    for (const n of Object.values(s.networks)) {
      rx += n.rx_bytes ?? 0;
      tx += n.tx_bytes ?? 0;
    }
  }
  return {
    ...cpuCounters(s.cpu_stats),
    memUsageBytes: mem?.usage ?? null,
    memInactiveFileBytes: inactive,
    memLimitBytes: mem?.limit ?? null,
    netRxBytes: rx,
    netTxBytes: tx,
    blockReadBytes: sumBlkio(s.blkio_stats?.io_service_bytes_recursive, 'r'),
    blockWriteBytes: sumBlkio(s.blkio_stats?.io_service_bytes_recursive, 'w'),
    pids: s.pids_stats?.current ?? null,
  };
}

/** CPU % of a stats frame against its own precpu_stats, exactly what `docker stats` prints. */
export function cpuPercentOfFrame(s: DockerStatsJson): number | null {
  const pre = s.precpu_stats;
  if (!pre?.cpu_usage?.total_usage || !pre.system_cpu_usage) return null; // first frame: no previous tick
  const cur = countersFromDockerStats(s);
  return cpuPercent({ ...cur, ...cpuCounters(pre), onlineCpus: cur.onlineCpus }, cur);
}
