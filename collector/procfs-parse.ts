// Pure parsers for the /proc and cgroup files the collector reads. Each takes the file's text.
import { systemCpuNsFromTicks } from './formulas.js';

/** /proc/stat: host CPU time as dockerd computes it, and the number of cpuN lines (online CPUs). */
export function parseProcStat(text: string): { systemCpuNs: number; onlineCpus: number } {
  let systemCpuNs = Number.NaN;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) {
      systemCpuNs = systemCpuNsFromTicks(line.trim().split(/\s+/).slice(1).map(Number));
    } else if (/^cpu\d+ /.test(line)) {
      onlineCpus++;
    }
  }
  if (!Number.isFinite(systemCpuNs) || onlineCpus === 0) throw new Error('/proc/stat has no cpu lines');
  return { systemCpuNs, onlineCpus };
}

/** /proc/stat: when the machine booted, in ms since the epoch (the `btime` line, whole seconds). */
export function parseBootTimeMs(text: string): number {
  const m = /^btime (\d+)$/m.exec(text);
  if (!m) throw new Error('/proc/stat has no btime line');
  return Number(m[1]) * 1000;
}

/** /proc/<pid>/net/dev: bytes received/sent summed over every interface except lo. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    if (line.slice(0, colon).trim() === 'lo') continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    rx += fields[0] ?? 0; // receive bytes
    tx += fields[8] ?? 0; // transmit bytes
  }
  return { rx, tx };
}

/** "key value" per line (memory.stat, cpu.stat, pids files): a map of numbers. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** A single-number cgroup file ("123\n"); "max" (v2 unlimited) → null. */
export function parseCgroupNumber(text: string): number | null {
  const t = text.trim();
  if (t === 'max') return null;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${t.slice(0, 40)}`);
  return n;
}

/** v1 blkio.*io_service_bytes_recursive ("8:0 Read 4096"): read and write bytes over all devices. */
export function parseBlkioV1(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    const [, op, value] = line.trim().split(/\s+/);
    if (op === 'Read') read += Number(value);
    else if (op === 'Write') write += Number(value);
  }
  return { read, write };
}

/** v2 io.stat ("8:0 rbytes=4096 wbytes=0 rios=1 …"): read and write bytes over all devices. */
export function parseIoStatV2(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const m of text.matchAll(/\b(rbytes|wbytes)=(\d+)/g)) {
    if (m[1] === 'rbytes') read += Number(m[2]);
    else write += Number(m[2]);
  }
  return { read, write };
}

/**
 * /proc/<pid>/cgroup: controller → path. v1 lines are "4:cpu,cpuacct:/docker/<id>" (one key per
 * controller); the v2 line "0::/system.slice/docker-<id>.scope" is returned under the key "".
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (controllers === '') out.set('', path);
    for (const c of controllers.split(',')) if (c) out.set(c.replace(/^name=/, ''), path);
  }
  return out;
}

/** cgroup.procs: one pid a line. */
export function parseProcList(text: string): number[] {
  return text.split('\n').filter((line) => /^\d+$/.test(line.trim())).map(Number);
}

/**
 * /proc/<pid>/stat: the parent pid, utime+stime and the start time after boot, both in clock ticks, and the command
 * name. The name may hold spaces and ")".
 */
export function parseProcPidStat(text: string): { comm: string; state: string; ppid: number; cpuTicks: number; startTicks: number } {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error('malformed /proc/<pid>/stat');
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state); ppid is field 4, utime and stime are fields 14 and 15, starttime is field 22.
  const ppid = Number(rest[1]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const startTicks = Number(rest[19]);
  if (![ppid, utime, stime, startTicks].every(Number.isFinite)) throw new Error('malformed /proc/<pid>/stat');
  return { comm: text.slice(open + 1, close), state: rest[0] ?? '', ppid, cpuTicks: utime + stime, startTicks };
}

/** /proc/<pid>/status: resident set size in bytes and the thread count (what the pids cgroup counts). */
export function parseProcStatus(text: string): { rssBytes: number | null; threads: number | null } {
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(text);
  const threads = /^Threads:\s+(\d+)/m.exec(text);
  return { rssBytes: rss ? Number(rss[1]) * 1024 : null, threads: threads ? Number(threads[1]) : null };
}

/** /proc/<pid>/io: bytes the process caused to be read from / written to storage. */
export function parseProcIo(text: string): { read: number | null; write: number | null } {
  const kv = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.split(':');
    if (k && v) kv.set(k.trim(), Number(v.trim()));
  }
  return { read: kv.get('read_bytes') ?? null, write: kv.get('write_bytes') ?? null };
}

/** /proc/meminfo MemTotal in bytes. */
export function parseMemTotal(text: string): number {
  const m = /^MemTotal:\s+(\d+) kB/m.exec(text);
  if (!m) throw new Error('/proc/meminfo has no MemTotal');
  return Number(m[1]) * 1024;
}

/** /proc/net/tcp or tcp6: socket inodes in LISTEN state (st 0A) on the given local port. */
export function listeningInodes(text: string, port: number): number[] {
  const out: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    if (!local || f[3] !== '0A') continue;
    const hexPort = local.slice(local.lastIndexOf(':') + 1);
    if (parseInt(hexPort, 16) === port) out.push(Number(f[9]));
  }
  return out.filter((i) => i > 0);
}
