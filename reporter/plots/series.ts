// Plot data read from the database, thinned so a chart stays light whatever the run length: an ECDF
// of latency per run (quantile points) and per-replica CPU/memory averaged over time buckets.
import type Database from 'better-sqlite3';
import type { ReportRun } from '../selection.js';
import { percentileSorted, sortedCopy } from '../stats.js';

export interface EcdfPoint {
  readonly label: string;
  readonly latencyMs: number;
  readonly fraction: number;
}

export interface ResourcePoint {
  readonly replica: string;
  readonly tSec: number; // seconds since the run started
  readonly cpuPct: number | null;
  readonly memMiB: number | null;
}

export interface PhaseBand {
  readonly name: string;
  readonly startSec: number;
  readonly endSec: number;
}

const ECDF_POINTS = 200;
const TIME_BUCKETS = 300;

export function ecdf(label: string, values: ArrayLike<number>, points = ECDF_POINTS): EcdfPoint[] {
  const sorted = sortedCopy(values);
  if (sorted.length === 0) return [];
  const out: EcdfPoint[] = [];
  const steps = Math.min(points, sorted.length);
  for (let i = 1; i <= steps; i++) {
    const fraction = i / steps;
    out.push({ label, latencyMs: percentileSorted(sorted, fraction * 100)!, fraction });
  }
  return out;
}

/** Client latencies of `phase` (all but warmup when undefined); service-side ones for a run without client CSV. */
export function latencyEcdf(db: Database.Database, runs: readonly ReportRun[], phase?: string): EcdfPoint[] {
  const which = phase === undefined ? `phase <> 'warmup'` : 'phase = :phase';
  const client = db.prepare(`SELECT latency_ms FROM client_requests WHERE label = :label AND ${which} AND ok = 1`).pluck();
  const server = db.prepare(`SELECT latency_ms FROM service_requests WHERE label = :label AND (${which} OR phase IS NULL)`).pluck();
  return runs.flatMap((r) => {
    const values = client.all({ label: r.label, ...(phase === undefined ? {} : { phase }) }) as number[];
    return ecdf(r.label, values.length > 0 ? values : (server.all({ label: r.label, ...(phase === undefined ? {} : { phase }) }) as number[]));
  });
}

export function runOrigin(run: ReportRun): number | undefined {
  return run.recorded?.startedAtMs ?? run.manifest?.startedAtMs ?? run.phases[0]?.startMs;
}

export function phaseBands(run: ReportRun): PhaseBand[] {
  const origin = runOrigin(run);
  if (origin === undefined) return [];
  return run.phases.map((p) => ({ name: p.name, startSec: (p.startMs - origin) / 1000, endSec: (p.endMs - origin) / 1000 }));
}

/** Per-replica CPU (docker-CLI %) and memory (MiB), averaged into at most TIME_BUCKETS buckets. */
export function resourceSeries(db: Database.Database, run: ReportRun): ResourcePoint[] {
  const rec = run.recorded;
  if (!rec) return [];
  const span = db.prepare('SELECT MIN(ts_ms) AS lo, MAX(ts_ms) AS hi FROM samples WHERE run_id = ?').get(rec.id) as { lo: number | null; hi: number | null };
  if (span.lo === null || span.hi === null) return [];
  const width = Math.max(rec.intervalMs, Math.ceil((span.hi - span.lo + 1) / TIME_BUCKETS));
  const rows = db
    .prepare(
      `SELECT COALESCE(r.hostname, r.name) AS replica, CAST((s.ts_ms - :lo) / :w AS INTEGER) AS b,
              AVG(s.ts_ms) AS ts, AVG(s.cpu_percent) AS cpu, AVG(s.mem_used_bytes) AS mem
       FROM samples s JOIN replicas r ON r.id = s.replica_id
       WHERE s.run_id = :run AND s.error IS NULL GROUP BY s.replica_id, b ORDER BY s.replica_id, b`,
    )
    .all({ lo: span.lo, w: width, run: rec.id }) as Array<{ replica: string; ts: number; cpu: number | null; mem: number | null }>;
  return rows.map((r) => ({
    replica: r.replica,
    tSec: Math.round(((r.ts - rec.startedAtMs) / 1000) * 100) / 100,
    cpuPct: r.cpu === null ? null : Math.round(r.cpu * 100) / 100,
    memMiB: r.mem === null ? null : Math.round((r.mem / 2 ** 20) * 10) / 10,
  }));
}
