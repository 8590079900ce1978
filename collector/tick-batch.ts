// Everything one tick wants to write, applied in a single transaction. Watchers run async I/O first
// and queue their writes here; replica ids are assigned when the batch is applied, so a sample of a
// replica first seen in the same tick refers to it through the shared Tracked object.
import type { Db, ProcessReplica, ReplicaPart, SampleWrite } from './db.js';
import { endReplica, insertEvent, insertReplica, makeSampleWriter, markTick, SERVICE_PART } from './db.js';
import type { Counters } from './formulas.js';
import type { ReplicaInfo } from './selection.js';

/** A replica being watched. replicaId is 0 until its row is written. */
export interface Tracked {
  replicaId: number;
  prev?: Counters;
}

type Write = (ctx: { db: Db; runId: number; sample: (s: SampleWrite) => void }) => void;

export class TickBatch {
  private readonly writes: Write[] = [];

  newReplica(t: Tracked, ts: number, container: ReplicaInfo | null, proc: ProcessReplica | null, part: ReplicaPart = SERVICE_PART): void {
    this.writes.push(({ db, runId }) => {
      t.replicaId = insertReplica(db, runId, container, proc, ts, part);
      insertEvent(db, runId, t.replicaId, ts, 'replica-started', container?.name ?? proc?.name ?? null);
    });
  }

  endReplica(t: Tracked, ts: number, why: string): void {
    this.writes.push(({ db, runId }) => {
      if (t.replicaId === 0) return;
      endReplica(db, t.replicaId, ts);
      insertEvent(db, runId, t.replicaId, ts, 'replica-ended', why);
    });
  }

  event(kind: string, ts: number, detail: string | null, t?: Tracked): void {
    this.writes.push(({ db, runId }) => insertEvent(db, runId, t?.replicaId ?? null, ts, kind, detail));
  }

  /** A reading; updates t.prev so the next CPU % is computed against it. */
  sample(t: Tracked, tsMs: number, counters: Counters, cpuPercentOverride?: number | null): void {
    const prev = t.prev;
    t.prev = counters;
    this.writes.push(({ sample }) => sample({ replicaId: t.replicaId, tsMs, counters, prev, error: null, cpuPercentOverride }));
  }

  /** A missed read: a row with NULL metrics and the reason; never zeros. */
  missed(t: Tracked, tsMs: number, error: string): void {
    this.writes.push(({ sample }) => sample({ replicaId: t.replicaId, tsMs, counters: null, prev: undefined, error }));
  }

  apply(db: Db, runId: number, tickMs: number): void {
    const sample = makeSampleWriter(db, runId);
    db.transaction(() => {
      for (const w of this.writes) w({ db, runId, sample });
      markTick(db, runId, tickMs);
    }).immediate();
  }
}
