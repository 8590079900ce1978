// Watches the selected containers: discovers them each tick (one list call per query, cheap), reads
// their counters from cgroup files or from per-container stats streams, and survives the engine
// going away (keeps reading cgroup files, records the gap, reconnects with backoff).
import { existsSync } from 'node:fs';
import type Docker from 'dockerode';
import type { StatsSource } from '../contracts/recording.js';
import type { ReplicaPart } from './db.js';
import type { CgroupDirs, CgroupVersion } from './cgroup.js';
import { cgroupDirs, readCgroupCounters } from './cgroup.js';
import { errorText } from '../common/error-text.js';
import { inspectContainer, listSelected } from './docker.js';
import type { DockerFilters, ReplicaInfo } from './selection.js';
import { replicaInfo } from './selection.js';
import { StatsStream } from './stream-source.js';
import type { TickBatch, Tracked } from './tick-batch.js';

export type ContainerSource = Extract<StatsSource, 'cgroup-files' | 'docker-api-stream'>;

interface TrackedContainer extends Tracked {
  info: ReplicaInfo;
  dirs?: CgroupDirs;
  stream?: StatsStream;
}

export interface DockerWatcherOptions {
  docker: Docker;
  queries: DockerFilters[];
  source: ContainerSource;
  cgroupVersion: CgroupVersion;
  hostMemory: number;
  collectorHost: string;
  intervalMs: number;
  procRoot?: string;
  /** What the watched containers are: the service's replicas (default) or a part of the platform (the swarm front). */
  part?: ReplicaPart;
}

const MAX_BACKOFF_MS = 4000;

export class DockerWatcher {
  private readonly tracked = new Map<string, TrackedContainer>();
  private engineUp = true;
  private failures = 0;
  private nextDiscoveryAt = 0;

  constructor(private readonly o: DockerWatcherOptions) {}

  get replicaCount(): number {
    return this.tracked.size;
  }

  /** The containers watched now. */
  containers(): ReplicaInfo[] {
    return [...this.tracked.values()].map((t) => t.info);
  }

  async poll(batch: TickBatch, now: number): Promise<void> {
    if (now >= this.nextDiscoveryAt) await this.discover(batch, now);
    this.sampleAll(batch);
  }

  private async discover(batch: TickBatch, now: number): Promise<void> {
    let ids: Set<string>;
    try {
      ids = await listSelected(this.o.docker, this.o.queries);
    } catch (err) {
      this.failures++;
      const backoff = Math.min(this.o.intervalMs * 2 ** (this.failures - 1), Math.max(MAX_BACKOFF_MS, this.o.intervalMs));
      this.nextDiscoveryAt = now + backoff;
      if (this.engineUp) {
        this.engineUp = false;
        batch.event('engine-lost', now, errorText(err));
      }
      return;
    }
    if (!this.engineUp) {
      batch.event('engine-back', Date.now(), `after ${this.failures} failed attempts`);
      this.engineUp = true;
    }
    this.failures = 0;
    this.nextDiscoveryAt = 0;
    for (const [id, t] of this.tracked) {
      if (!ids.has(id)) this.drop(batch, id, t, Date.now(), 'no longer running');
      else if (t.stream?.ended) await this.reopen(batch, t);
    }
    for (const id of ids) if (!this.tracked.has(id)) await this.add(batch, id);
  }

  private async add(batch: TickBatch, id: string): Promise<void> {
    let inspected;
    try {
      inspected = await inspectContainer(this.o.docker, id);
    } catch {
      return; // engine trouble mid-discovery: the next tick tries again
    }
    if (!inspected || !inspected.State.Running || inspected.State.Pid <= 0) return; // stopped meanwhile
    const info = replicaInfo(inspected, this.o.collectorHost);
    const t: TrackedContainer = { replicaId: 0, info };
    const ts = Date.now();
    batch.newReplica(t, ts, info, null, this.o.part);
    if (this.o.source === 'cgroup-files') {
      // cgroup files need the container's host pid visible (host, or --pid host) for its network
      const procRoot = this.o.procRoot ?? '/proc';
      t.dirs = existsSync(`${procRoot}/${info.pid}`) ? cgroupDirs(this.o.cgroupVersion, id, info.pid) : undefined;
      if (!t.dirs) batch.event('stats-fallback', ts, 'cgroup files not visible: using the stats stream', t);
    }
    this.tracked.set(id, t);
    if (!t.dirs) await this.reopen(batch, t);
  }

  private async reopen(batch: TickBatch, t: TrackedContainer): Promise<void> {
    t.stream?.close();
    t.stream = new StatsStream(this.o.docker, t.info.containerId);
    try {
      await t.stream.open();
    } catch (err) {
      t.stream.ended = true;
      t.stream.error = errorText(err);
      batch.event('stream-failed', Date.now(), t.stream.error, t);
    }
  }

  private drop(batch: TickBatch, id: string, t: TrackedContainer, ts: number, why: string): void {
    t.stream?.close();
    this.tracked.delete(id);
    batch.endReplica(t, ts, why);
  }

  private sampleAll(batch: TickBatch): void {
    for (const [id, t] of this.tracked) {
      if (t.dirs) this.sampleCgroup(batch, id, t, t.dirs);
      else this.sampleStream(batch, t);
    }
  }

  private sampleCgroup(batch: TickBatch, id: string, t: TrackedContainer, dirs: CgroupDirs): void {
    const ts = Date.now();
    let counters;
    try {
      counters = readCgroupCounters(dirs, t.info.pid, this.o.hostMemory);
    } catch (err) {
      // the cgroup is removed as the container stops: that is its end, not a missed read
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.drop(batch, id, t, ts, 'cgroup gone (stopped mid-read)');
      else batch.missed(t, ts, errorText(err));
      return;
    }
    const prevCpu = t.prev?.cpuTotalNs;
    if (prevCpu != null && counters.cpuTotalNs !== null && counters.cpuTotalNs < prevCpu) {
      // counters went backwards: the container restarted between ticks; a restart is a new replica
      this.drop(batch, id, t, ts, 'restarted (CPU counter reset)');
      return;
    }
    batch.sample(t, ts, counters);
  }

  private sampleStream(batch: TickBatch, t: TrackedContainer): void {
    const s = t.stream;
    const now = Date.now();
    const frame = s?.take();
    if (frame) {
      batch.sample(t, frame.tsMs, frame.counters, frame.cpuPercent);
      return;
    }
    if (!s || s.ended) {
      batch.missed(t, now, this.engineUp ? `stats stream ended: ${s?.error ?? 'closed'}` : 'engine unreachable');
    } else if (s.age(now) > Math.max(2500, 2.5 * this.o.intervalMs)) {
      // dockerd's own CLI treats 2 s without a frame as a timeout; we record it as missing, not as zeros
      batch.missed(t, now, `no stats frame for ${Math.round(s.age(now) / 1000)} s`);
    }
  }

  /** Closes the stats streams; the run's end closes the replica rows. */
  close(): void {
    for (const t of this.tracked.values()) t.stream?.close();
  }
}
