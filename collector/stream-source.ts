// Fallback stats path: one `stats({stream:true})` per container. dockerd pushes a frame each second;
// the latest unread frame is taken at each tick. Used when the cgroup files are not readable.
import type Docker from 'dockerode';
import type { Counters, DockerStatsJson } from './formulas.js';
import { countersFromDockerStats, cpuPercentOfFrame } from './formulas.js';

export interface Frame {
  tsMs: number;
  counters: Counters;
  cpuPercent: number | null;
}

export class StatsStream {
  private latest: Frame | undefined;
  private lastTaken = 0;
  private stream: NodeJS.ReadableStream | undefined;
  private closed = false;
  private readonly openedAt = Date.now();
  ended = false;
  error: string | undefined;

  constructor(
    private readonly docker: Docker,
    readonly containerId: string,
  ) {}

  async open(): Promise<void> {
    const stream = await this.docker.getContainer(this.containerId).stats({ stream: true });
    this.stream = stream;
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) this.onFrame(line);
      }
    });
    stream.on('end', () => (this.ended = true));
    stream.on('error', (err: Error) => {
      this.ended = true;
      this.error = err.message;
    });
  }

  private onFrame(line: string): void {
    let json: DockerStatsJson;
    try {
      json = JSON.parse(line) as DockerStatsJson;
    } catch {
      return; // a torn frame: the next one follows within a second
    }
    // A stopped container's stream sends frames with zeroed counters: that is not a reading.
    if (!json.cpu_stats?.system_cpu_usage) return;
    const read = json.read ? Date.parse(json.read) : Number.NaN;
    this.latest = {
      tsMs: Number.isFinite(read) ? read : Date.now(),
      counters: countersFromDockerStats(json),
      cpuPercent: cpuPercentOfFrame(json),
    };
  }

  /** The newest frame not returned before, if one arrived. */
  take(): Frame | undefined {
    const f = this.latest;
    if (!f || f.tsMs <= this.lastTaken) return undefined;
    this.lastTaken = f.tsMs;
    return f;
  }

  /** Ms since the newest frame (or since the stream opened, when none came yet). */
  age(now: number): number {
    return now - (this.latest?.tsMs ?? this.openedAt);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const s = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    s?.destroy?.();
  }
}
