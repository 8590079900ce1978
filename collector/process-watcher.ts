// Watches one native process (--pid, or whoever listens on --port) through /proc. With --port the
// listener is looked up again whenever the previous one is gone, so a restarted service is a new replica.
import { hostname } from 'node:os';
import { errorText } from '../common/error-text.js';
import type { Counters } from './formulas.js';
import { findPidByPort, processCommand, readProcessCounters } from './proc.js';
import type { TickBatch, Tracked } from './tick-batch.js';

export interface ProcessTarget {
  pid?: number;
  port?: number;
}

interface TrackedProcess extends Tracked {
  pid: number;
}

export class ProcessWatcher {
  private current: TrackedProcess | undefined;
  private waitingLogged = false;

  constructor(
    private readonly target: ProcessTarget,
    private readonly hostMemory: number,
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
      counters = readProcessCounters(t.pid, this.hostMemory);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') {
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
    const pid = this.target.pid ?? (this.target.port !== undefined ? findPidByPort(this.target.port) : undefined);
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
    this.current = { replicaId: 0, pid };
    batch.newReplica(this.current, now, null, { name, pid, hostname: hostname() });
  }

  close(): void {
    this.current = undefined;
  }
}
