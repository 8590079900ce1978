// Watches one native process (--pid, or whoever listens on --port). With --port the listener is looked up
// again whenever the previous one is gone, so a restarted service is a new replica. A process in a cgroup
// of its own (the native driver makes one) is read from that cgroup's files, exactly as a container is,
// so its CPU, memory (usage − inactive file), block I/O and pids mean what they mean for containers; a
// process sharing its parent's group is read from /proc (memory = RSS).
import { hostname } from 'node:os';
import { errorText } from '../common/error-text.js';
import type { CgroupDirs, CgroupVersion } from './cgroup.js';
import { ownCgroupDirs, readCgroupCounters } from './cgroup.js';
import type { Counters } from './formulas.js';
import { findPidByPort, processCommand, processExists, processGone, readProcessCounters } from './proc.js';
import type { TickBatch, Tracked } from './tick-batch.js';

export interface ProcessTarget {
  pid?: number;
  port?: number;
}

/** Where a native process's counters come from (runs.stats_source). */
export type ProcessStatsSource = 'cgroup-files' | 'proc';

interface TrackedProcess extends Tracked {
  pid: number;
  /** Its own cgroup, when it has one; else /proc. */
  dirs: CgroupDirs | undefined;
}

/** The process a target names right now: the pid, or whoever listens on the port (undefined: nobody). */
export function targetPid(target: ProcessTarget): number | undefined {
  return target.pid ?? (target.port !== undefined ? findPidByPort(target.port) : undefined);
}

/** Where a process's counters would come from: its own cgroup's files, or /proc. */
export function processStatsSource(version: CgroupVersion, pid: number | undefined): ProcessStatsSource {
  return pid !== undefined && ownCgroupDirs(version, pid) ? 'cgroup-files' : 'proc';
}

export class ProcessWatcher {
  private current: TrackedProcess | undefined;
  private waitingLogged = false;

  /** `source` is the run's (decided at start); a replica found later that differs gets an event saying so. */
  constructor(
    private readonly target: ProcessTarget,
    private readonly hostMemory: number,
    private readonly cgroupVersion: CgroupVersion,
    private readonly source: ProcessStatsSource,
  ) {}

  get replicaCount(): number {
    return this.current ? 1 : 0;
  }

  async poll(batch: TickBatch, now: number): Promise<void> {
    if (!this.current) this.find(batch, now);
    const t = this.current;
    if (!t) return;
    const ts = Date.now();
    let counters: Counters;
    try {
      // An emptied cgroup stays readable until the driver removes it: the process itself decides the end.
      if (t.dirs && !processExists(t.pid)) throw Object.assign(new Error('process exited'), { code: 'ESRCH' });
      counters = t.dirs ? readCgroupCounters(t.dirs, t.pid, this.hostMemory) : readProcessCounters(t.pid, this.hostMemory);
    } catch (err) {
      if (processGone(err)) {
        batch.endReplica(t, ts, 'process exited');
        this.current = undefined;
      } else {
        batch.missed(t, ts, errorText(err));
      }
      return;
    }
    batch.sample(t, ts, counters);
  }

  private find(batch: TickBatch, now: number): void {
    const pid = targetPid(this.target);
    if (pid === undefined) {
      if (!this.waitingLogged) batch.event('waiting', now, `nobody listens on port ${this.target.port}`);
      this.waitingLogged = true;
      return;
    }
    let name: string;
    try {
      name = processCommand(pid);
    } catch {
      return; // exited between lookup and naming
    }
    this.waitingLogged = false;
    const dirs = ownCgroupDirs(this.cgroupVersion, pid);
    this.current = { replicaId: 0, pid, dirs };
    batch.newReplica(this.current, now, null, { name, pid, hostname: hostname() });
    const source: ProcessStatsSource = dirs ? 'cgroup-files' : 'proc';
    if (source !== this.source) {
      const why = dirs ? `its own cgroup (${dirs.memory})` : '/proc (no cgroup of its own: memory is RSS)';
      batch.event('stats-source', now, `pid ${pid} read from ${why}, not ${this.source} as the run says`, this.current);
    }
  }

  close(): void {
    this.current = undefined;
  }
}
