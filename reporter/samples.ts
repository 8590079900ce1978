// One pass over a run's samples (a 1 h run at 100 ms with 3 replicas has 108k) that gathers everything
// the report needs from them: for each window asked for (the run's measured window, each phase) the
// per-replica readings and the replicas' sums per poll, and a thinned time series for the charts. Rows
// are streamed, never kept (all() would hold every row at once: more garbage collection and +100 MB
// peak, measured); counters are reduced to their growth as they stream by.
import type Database from 'better-sqlite3';
import { sampleSpan, samplesOfRun, type SampleRow } from '../contracts/recording.js';
import { Float64List } from '../common/float64-list.js';
import { CounterGrowth } from './stats.js';

export const COUNTERS = ['cpu_total_ns', 'net_rx_bytes', 'net_tx_bytes', 'block_read_bytes', 'block_write_bytes'] as const;
export type Counter = (typeof COUNTERS)[number];

export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

export interface ReplicaSamples {
  samples: number; // in the window, missed reads included
  missed: number;
  /** Successful, non-null readings in the window, in time order. */
  cpu: Float64List;
  mem: Float64List;
  /** MEM % as the collector recorded it (docker stats: used ÷ limit × 100). */
  memPct: Float64List;
  growth: Record<Counter, CounterGrowth>;
}

export interface WindowSamples {
  readonly replicas: Map<number, ReplicaSamples>;
  readonly samples: number;
  readonly missed: number;
  /** The replicas' readings summed per poll: each sample rounded to the nearest interval from the window start. */
  readonly cpuPerPoll: number[];
  readonly memPerPoll: number[];
  readonly memPctPerPoll: number[];
}

export interface SeriesPoint {
  readonly replicaId: number;
  readonly tSec: number; // seconds since the run started
  readonly cpuPct: number | null;
  readonly memMiB: number | null;
}

export interface RunSamples {
  /** One per window asked for, in the same order. */
  readonly windows: WindowSamples[];
  /** Whole run (idle included), averaged into at most SERIES_BUCKETS buckets per replica. */
  readonly series: SeriesPoint[];
}

export const emptyReplica = (): ReplicaSamples => ({
  samples: 0,
  missed: 0,
  cpu: new Float64List(),
  mem: new Float64List(),
  memPct: new Float64List(),
  growth: Object.fromEntries(COUNTERS.map((c) => [c, new CounterGrowth()])) as Record<Counter, CounterGrowth>,
});

type Row = Pick<SampleRow, 'replica_id' | 'ts_ms' | 'error' | 'cpu_percent' | 'mem_used_bytes' | 'mem_percent' | Counter>;

/**
 * Sums per poll (a whole number ≥ 0), in the order each poll was first added to: what a Map from poll to
 * sum gives, with the same additions in the same order. A Map boxed every updated sum and rehashed as
 * it grew (36k polls a window in the bench), leaving ~85 MB of old-generation garbage over the bench's
 * runs (measured); these arrays are indexed by the poll itself.
 */
class PollSums {
  private sums = new Float64Array(1024);
  private seen = new Uint8Array(1024);
  private readonly order = new Float64List();

  add(poll: number, value: number): void {
    if (poll >= this.sums.length) {
      const size = Math.max(poll + 1, this.sums.length * 2);
      const sums = new Float64Array(size);
      sums.set(this.sums);
      this.sums = sums;
      const seen = new Uint8Array(size);
      seen.set(this.seen);
      this.seen = seen;
    }
    if (this.seen[poll] === 0) {
      this.seen[poll] = 1;
      this.order.push(poll);
    }
    this.sums[poll]! += value;
  }

  values(): number[] {
    return Array.from(this.order.values(), (poll) => this.sums[poll]!);
  }
}

/** The readings of one window, added sample by sample. */
class WindowReader {
  readonly replicas = new Map<number, ReplicaSamples>();
  samples = 0;
  missed = 0;
  private readonly cpuPoll = new PollSums();
  private readonly memPoll = new PollSums();
  private readonly memPctPoll = new PollSums();

  constructor(private readonly window: TimeWindow, private readonly intervalMs: number) {}

  add(row: Row): void {
    if (row.ts_ms < this.window.startMs || row.ts_ms > this.window.endMs) return;
    let rep = this.replicas.get(row.replica_id);
    if (!rep) this.replicas.set(row.replica_id, (rep = emptyReplica()));
    this.samples++;
    rep.samples++;
    if (row.error !== null) {
      this.missed++;
      rep.missed++;
      return;
    }
    const poll = Math.round((row.ts_ms - this.window.startMs) / this.intervalMs);
    if (row.cpu_percent !== null) {
      rep.cpu.push(row.cpu_percent);
      this.cpuPoll.add(poll, row.cpu_percent);
    }
    if (row.mem_used_bytes !== null) {
      rep.mem.push(row.mem_used_bytes);
      this.memPoll.add(poll, row.mem_used_bytes);
    }
    if (row.mem_percent !== null) {
      rep.memPct.push(row.mem_percent);
      this.memPctPoll.add(poll, row.mem_percent);
    }
    for (const c of COUNTERS) rep.growth[c].add(row[c]);
  }

  finish(): WindowSamples {
    return { replicas: this.replicas, samples: this.samples, missed: this.missed, cpuPerPoll: this.cpuPoll.values(), memPerPoll: this.memPoll.values(),
      memPctPerPoll: this.memPctPoll.values() };
  }
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

/** The chart series: successful samples averaged per replica into time buckets of equal width. */
class SeriesReader {
  private readonly buckets = new Map<number, Bucket>();
  constructor(private readonly firstMs: number, private readonly width: number) {}

  add(row: Row): void {
    if (row.error !== null) return;
    const key = row.replica_id * 1_000_000 + Math.floor((row.ts_ms - this.firstMs) / this.width); // < SERIES_BUCKETS + 1 per replica
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { replicaId: row.replica_id, n: 0, ts: 0, cpuN: 0, cpu: 0, memN: 0, mem: 0 }));
    b.n++;
    b.ts += row.ts_ms;
    if (row.cpu_percent !== null) (b.cpuN++, (b.cpu += row.cpu_percent));
    if (row.mem_used_bytes !== null) (b.memN++, (b.mem += row.mem_used_bytes));
  }

  finish(runStartMs: number): SeriesPoint[] {
    return [...this.buckets.values()].map((b) => ({
      replicaId: b.replicaId,
      tSec: Math.round(((b.ts / b.n - runStartMs) / 1000) * 100) / 100,
      cpuPct: b.cpuN ? Math.round((b.cpu / b.cpuN) * 100) / 100 : null,
      memMiB: b.memN ? Math.round((b.mem / b.memN / 2 ** 20) * 10) / 10 : null,
    }));
  }
}

/** The samples of `replicaIds` (the run's service replicas, or one other role's rows) over each window. */
export function readRunSamples(
  db: Database.Database,
  run: { id: number; startedAtMs: number; intervalMs: number },
  windows: readonly TimeWindow[],
  replicaIds: readonly number[],
): RunSamples {
  const span = sampleSpan(db, run.id);
  const width = span === undefined ? 1 : Math.max(run.intervalMs, Math.ceil((span.lastMs - span.firstMs + 1) / SERIES_BUCKETS));
  const series = new SeriesReader(span?.firstMs ?? 0, width);
  const readers = windows.map((w) => new WindowReader(w, run.intervalMs));
  const rows = samplesOfRun(db, run.id, ['replica_id', 'ts_ms', 'error', 'cpu_percent', 'mem_used_bytes', 'mem_percent', ...COUNTERS], replicaIds);
  for (const row of rows) {
    series.add(row);
    for (const r of readers) r.add(row);
  }
  return { windows: readers.map((r) => r.finish()), series: series.finish(run.startedAtMs) };
}
