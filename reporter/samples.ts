// One pass over a run's samples (a 1 h run at 100 ms with 3 replicas has 108k) that gathers everything
// the report needs from them: per replica the in-window readings of each metric, per poll the replicas'
// sums, and a thinned time series for the charts. Rows are streamed as arrays, never kept (all() would
// hold 108k row arrays at once: more garbage collection and +100 MB peak, measured).
import type Database from 'better-sqlite3';

export const COUNTERS = ['cpu_total_ns', 'net_rx_bytes', 'net_tx_bytes', 'block_read_bytes', 'block_write_bytes'] as const;
export type Counter = (typeof COUNTERS)[number];

export interface ReplicaSamples {
  samples: number; // in the window, missed reads included
  missed: number;
  /** Successful, non-null readings in the window, in time order. */
  cpu: number[];
  mem: number[];
  counters: Record<Counter, number[]>;
}

export interface SeriesPoint {
  readonly replicaId: number;
  readonly tSec: number; // seconds since the run started
  readonly cpuPct: number | null;
  readonly memMiB: number | null;
}

export interface RunSamples {
  readonly replicas: Map<number, ReplicaSamples>;
  readonly samples: number;
  readonly missed: number;
  /** The replicas' readings summed per poll: each sample rounded to the nearest interval from the window start. */
  readonly cpuPerPoll: number[];
  readonly memPerPoll: number[];
  /** Whole run (idle included), averaged into at most SERIES_BUCKETS buckets per replica. */
  readonly series: SeriesPoint[];
}

const SERIES_BUCKETS = 300;

interface Bucket {
  replicaId: number;
  n: number;
  ts: number;
  cpuN: number;
  cpu: number;
  memN: number;
  mem: number;
}

export const emptyReplica = (): ReplicaSamples => ({
  samples: 0,
  missed: 0,
  cpu: [],
  mem: [],
  counters: { cpu_total_ns: [], net_rx_bytes: [], net_tx_bytes: [], block_read_bytes: [], block_write_bytes: [] },
});

export function readRunSamples(db: Database.Database, run: { id: number; startedAtMs: number; intervalMs: number }, startMs: number, endMs: number): RunSamples {
  const span = db.prepare('SELECT MIN(ts_ms) AS lo, MAX(ts_ms) AS hi FROM samples WHERE run_id = ?').get(run.id) as { lo: number | null; hi: number | null };
  const width = span.lo === null || span.hi === null ? 1 : Math.max(run.intervalMs, Math.ceil((span.hi - span.lo + 1) / SERIES_BUCKETS));
  const replicas = new Map<number, ReplicaSamples>();
  const cpuPoll = new Map<number, number>();
  const memPoll = new Map<number, number>();
  const buckets = new Map<number, Bucket>();
  let samples = 0;
  let missed = 0;
  const rows = db
    .prepare(`SELECT replica_id, ts_ms, error, cpu_percent, mem_used_bytes, ${COUNTERS.join(', ')} FROM samples WHERE run_id = ? ORDER BY replica_id, ts_ms`)
    .raw()
    .iterate(run.id) as IterableIterator<[number, number, string | null, number | null, number | null, ...Array<number | null>]>;
  for (const [replicaId, ts, error, cpu, mem, ...counters] of rows) {
    let rep = replicas.get(replicaId);
    if (!rep) replicas.set(replicaId, (rep = emptyReplica()));
    if (error === null) {
      const key = replicaId * 1_000_000 + Math.floor((ts - span.lo!) / width); // < SERIES_BUCKETS + 1 buckets per replica
      let b = buckets.get(key);
      if (!b) buckets.set(key, (b = { replicaId, n: 0, ts: 0, cpuN: 0, cpu: 0, memN: 0, mem: 0 }));
      b.n++;
      b.ts += ts;
      if (cpu !== null) (b.cpuN++, (b.cpu += cpu));
      if (mem !== null) (b.memN++, (b.mem += mem));
    }
    if (ts < startMs || ts > endMs) continue;
    samples++;
    rep.samples++;
    if (error !== null) {
      missed++;
      rep.missed++;
      continue;
    }
    const poll = Math.round((ts - startMs) / run.intervalMs);
    if (cpu !== null) {
      rep.cpu.push(cpu);
      cpuPoll.set(poll, (cpuPoll.get(poll) ?? 0) + cpu);
    }
    if (mem !== null) {
      rep.mem.push(mem);
      memPoll.set(poll, (memPoll.get(poll) ?? 0) + mem);
    }
    COUNTERS.forEach((c, i) => {
      const v = counters[i];
      if (v !== null && v !== undefined) rep.counters[c].push(v);
    });
  }
  const series = [...buckets.values()].map((b) => ({
    replicaId: b.replicaId,
    tSec: Math.round(((b.ts / b.n - run.startedAtMs) / 1000) * 100) / 100,
    cpuPct: b.cpuN ? Math.round((b.cpu / b.cpuN) * 100) / 100 : null,
    memMiB: b.memN ? Math.round((b.mem / b.memN / 2 ** 20) * 10) / 10 : null,
  }));
  return { replicas, samples, missed, cpuPerPoll: [...cpuPoll.values()], memPerPoll: [...memPoll.values()], series };
}
