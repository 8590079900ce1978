// Plot data, thinned so a chart stays light whatever the run length: an ECDF of latency per run
// (quantile points) and the load phases as bands. CPU/memory over time come from samples.ts.
import type Database from 'better-sqlite3';
import type { ReportRun } from '../selection.js';
import { percentileSorted, sortedCopy } from '../../common/percentile.js';
import { WARMUP_PHASE } from '../../contracts/deployments.js';

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
  const which = phase === undefined ? 'phase <> :warmup' : 'phase = :phase';
  const client = db.prepare(`SELECT latency_ms FROM client_requests WHERE label = :label AND ${which} AND ok = 1`).pluck();
  const server = db.prepare(`SELECT latency_ms FROM service_requests WHERE label = :label AND (${which} OR phase IS NULL)`).pluck();
  const params = (label: string): Record<string, string> => (phase === undefined ? { label, warmup: WARMUP_PHASE } : { label, phase });
  return runs.flatMap((r) => {
    const values = client.all(params(r.label)) as number[];
    return ecdf(r.label, values.length > 0 ? values : (server.all(params(r.label)) as number[]));
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

export interface JoinedPoint {
  readonly label: string;
  readonly cpuPct: number;
  readonly latencyMs: number;
}

// 250 a run keeps the shape of the cloud; the PNG of 5 × 1000 translucent points took sharp 2 s (measured).
const JOINED_POINTS = 250;

/**
 * Each successful client request (warmup excluded) against the CPU % of the replica that served it, at
 * the nearest sample: the request→replica→sample join made visible. At most JOINED_POINTS per run,
 * taken evenly through the run.
 */
export function latencyVsCpu(db: Database.Database, runs: readonly ReportRun[]): JoinedPoint[] {
  const stmt = db
    .prepare(
      `SELECT s.cpu_percent, c.latency_ms FROM client_requests c JOIN samples s ON s.id = c.sample_id
       WHERE c.label = ? AND c.ok = 1 AND c.phase <> ? AND s.cpu_percent IS NOT NULL ORDER BY c.intended_ms`,
    )
    .raw();
  return runs.flatMap((r) => {
    const rows = stmt.all(r.label, WARMUP_PHASE) as Array<[number, number]>;
    const step = Math.max(1, Math.ceil(rows.length / JOINED_POINTS));
    return rows.filter((_, i) => i % step === 0).map(([cpu, latency]) => ({ label: r.label, cpuPct: cpu, latencyMs: latency }));
  });
}
