// Each deployment's latency overhead against the native baseline, per load phase (phases differ in kind,
// so they are never pooled), with a 95 % bootstrap
// interval so a real difference can be told from noise (an interval that contains 0 is noise).
import type Database from 'better-sqlite3';
import type { ReportRun } from './selection.js';
import { percentileSorted, sortedCopy } from '../common/percentile.js';
import { BASELINE_DEPLOYMENT, isMeasuredPhase, SEQUENTIAL_PHASE } from '../contracts/deployments.js';
import type { Overhead } from '../contracts/summary.js';
import { bootstrapPercentileDiff, DEFAULT_BOOTSTRAP } from './stats.js';

export type { Overhead };

/** The baseline: the run labelled native, else the first run of deployment native. */
export function pickBaseline(runs: readonly ReportRun[]): ReportRun | undefined {
  return runs.find((r) => r.label === BASELINE_DEPLOYMENT) ?? runs.find((r) => r.deployment === BASELINE_DEPLOYMENT);
}

/**
 * The phase to compare deployments on when one number is wanted (figures, pros and cons): an
 * open-loop phase if every run had one (same offered rate, so latency is comparable; a closed loop
 * lets a faster deployment take more requests), else sequential, else the first phase all share.
 * Comparing whole runs would weight each run by its own throughput.
 */
export function referencePhase(runs: readonly ReportRun[]): string | undefined {
  // A run the experiment marked failed stopped early; it must not narrow the choice for the others.
  const withPhases = runs.filter((r) => r.phases.length > 0 && r.manifest?.status !== 'failed');
  if (withPhases.length === 0) return undefined;
  const shared = withPhases[0]!.phases.filter((p) => isMeasuredPhase(p.name) && withPhases.every((r) => r.phases.some((q) => q.name === p.name)));
  return (shared.find((p) => p.rateRps !== null) ?? shared.find((p) => p.name === SEQUENTIAL_PHASE) ?? shared[0])?.name;
}

export const significant = (o: Overhead): boolean => o.diff.low > 0 || o.diff.high < 0;

export function overheads(db: Database.Database, runs: readonly ReportRun[]): Overhead[] {
  const base = pickBaseline(runs);
  if (!base) return [];
  const latencies = db.prepare('SELECT latency_ms FROM client_requests WHERE label = ? AND phase = ? AND ok = 1').pluck();
  const phases = (r: ReportRun): string[] => [...new Set(r.phases.map((p) => p.name).filter(isMeasuredPhase))];
  const out: Overhead[] = [];
  for (const run of runs) {
    if (run === base) continue;
    const shared = phases(run).filter((p) => phases(base).includes(p));
    const groups: Array<[string, number[], number[]]> = shared.map((p) => [p, latencies.all(base.label, p) as number[], latencies.all(run.label, p) as number[]]);
    for (const [phase, a, b] of groups) {
      for (const percentile of [50, 99] as const) {
        const diff = bootstrapPercentileDiff(a, b, percentile, DEFAULT_BOOTSTRAP);
        if (!diff) continue;
        out.push({
          label: run.label,
          baseline: base.label,
          phase,
          percentile,
          baselineMs: percentileSorted(sortedCopy(a), percentile)!,
          valueMs: percentileSorted(sortedCopy(b), percentile)!,
          diff,
        });
      }
    }
  }
  return out;
}
