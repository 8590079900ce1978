// Host processes that are not the service but part of a run's cost or load: the platform's daemons and
// proxies (docker-proxy, containerd shims, dockerd, containerd) and the load generator. Each is its own
// replica row with its role and component, read from /proc like a native process (CPU, RSS, block I/O,
// threads; no network: they live in the host's namespace, whose counters are not theirs). Which
// processes they are is asked of a finder only when it says the answer may have changed, so a tick
// costs a few small /proc reads per process.
import { hostname } from 'node:os';
import { errorText } from '../common/error-text.js';
import { CLIENT_COMPONENT } from '../contracts/recording.js';
import type { ReplicaPart } from './db.js';
import type { Counters } from './formulas.js';
import type { CarriedContainer, ProcessSeen } from './platform.js';
import { isLoadGenerator, isPlatformComm, platformProcesses } from './platform.js';
import { childPids, listProcesses, processArgv, processGone, readProcessCounters } from './proc.js';
import type { Watcher } from './recorder.js';
import type { TickBatch, Tracked } from './tick-batch.js';

/** One process to watch: its pid, the row's name, and what it is. */
export interface HostProcessTarget {
  pid: number;
  name: string;
  part: ReplicaPart;
}

/** The processes to watch now, or undefined when nothing can have changed since the last answer. */
export type HostProcessFinder = (now: number) => HostProcessTarget[] | undefined;

interface TrackedHostProcess extends Tracked {
  pid: number;
}

export class HostProcessWatcher implements Watcher {
  private readonly tracked = new Map<number, TrackedHostProcess>();

  constructor(
    private readonly find: HostProcessFinder,
    private readonly hostMemory: number,
  ) {}

  get replicaCount(): number {
    return this.tracked.size;
  }

  async poll(batch: TickBatch, now: number): Promise<void> {
    const wanted = this.find(now);
    if (wanted) this.follow(batch, wanted, now);
    for (const t of this.tracked.values()) this.sample(batch, t);
  }

  private follow(batch: TickBatch, wanted: readonly HostProcessTarget[], now: number): void {
    const pids = new Set(wanted.map((w) => w.pid));
    for (const [pid, t] of this.tracked) if (!pids.has(pid)) this.drop(batch, t, now, 'no longer part of the run');
    for (const w of wanted) {
      if (this.tracked.has(w.pid)) continue;
      const t: TrackedHostProcess = { replicaId: 0, pid: w.pid };
      this.tracked.set(w.pid, t);
      batch.newReplica(t, now, null, { name: w.name, pid: w.pid, hostname: hostname() }, w.part);
    }
  }

  private sample(batch: TickBatch, t: TrackedHostProcess): void {
    const ts = Date.now();
    let counters: Counters;
    try {
      counters = readProcessCounters(t.pid, this.hostMemory, { network: false });
    } catch (err) {
      if (processGone(err)) this.drop(batch, t, ts, 'process exited');
      else batch.missed(t, ts, errorText(err));
      return;
    }
    if (t.prev?.cpuTotalNs != null && counters.cpuTotalNs !== null && counters.cpuTotalNs < t.prev.cpuTotalNs) {
      // the pid now belongs to another process: the one watched has exited
      this.drop(batch, t, ts, 'process exited (pid reused)');
      return;
    }
    batch.sample(t, ts, counters);
  }

  private drop(batch: TickBatch, t: TrackedHostProcess, ts: number, why: string): void {
    this.tracked.delete(t.pid);
    batch.endReplica(t, ts, why);
  }

  close(): void {
    this.tracked.clear();
  }
}

/** How often the platform's processes are looked for again while the watched containers stay the same. */
export const PLATFORM_RESCAN_MS = 10_000;

/**
 * The platform of the containers `containers()` returns: a /proc scan (command names of every process,
 * argument vectors of the few platform ones) when the containers or their ports changed, and every
 * PLATFORM_RESCAN_MS otherwise (a docker-proxy or shim may appear a moment after its container).
 */
export function platformFinder(containers: () => readonly CarriedContainer[]): HostProcessFinder {
  let lastKey: string | undefined;
  let lastScan = 0;
  return (now) => {
    const current = containers();
    const key = current.map((c) => `${c.containerId}:${c.publishedPorts.join(',')}`).sort().join(' ');
    if (key === lastKey && now - lastScan < PLATFORM_RESCAN_MS) return undefined;
    lastKey = key;
    lastScan = now;
    if (current.length === 0) return [];
    const seen: ProcessSeen[] = [];
    for (const p of listProcesses()) {
      if (!isPlatformComm(p.comm)) continue;
      try {
        seen.push({ ...p, argv: processArgv(p.pid) });
      } catch {
        // exited meanwhile
      }
    }
    return platformProcesses(seen, current).map((p) => ({ pid: p.pid, name: p.name, part: { role: 'platform', component: p.component } }));
  };
}

/**
 * The load generator as the pid the collector is told of: that process itself when it runs the load
 * generator (`npm run load`), and its child processes that do (the experiment's one process per load
 * phase, load/phase-process.ts). Its children are read every tick (one small read), and the arguments of
 * those not yet known to be load generators (the experiment's other children are few).
 */
export function clientFinder(parentPid: number): HostProcessFinder {
  // Only a yes is remembered: a child seen between fork and exec still shows its parent's arguments.
  const generators = new Set<number>();
  return () => {
    const pids = [parentPid, ...childPids(parentPid)];
    for (const pid of generators) if (!pids.includes(pid)) generators.delete(pid);
    for (const pid of pids) {
      if (generators.has(pid)) continue;
      try {
        if (isLoadGenerator(processArgv(pid))) generators.add(pid);
      } catch {
        // gone
      }
    }
    return [...generators].map((pid) => ({ pid, name: `load generator (pid ${pid})`, part: { role: 'client', component: CLIENT_COMPONENT } }));
  };
}
