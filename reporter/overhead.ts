// Each run's latency overhead against the native baseline of the same round, per load phase (phases differ
// in kind, so they are never pooled), with a 95 % bootstrap interval over the two runs' requests. That
// interval holds request-level noise only: anything that differs between runs (the order, a warmer
// client, the page cache) is outside it, so it gives no verdict; verdicts come from the rounds (rounds.ts).
import type Database from 'better-sqlite3';
import type { ReportRun } from './selection.js';
import { percentileSorted, sortedCopy } from '../common/percentile.js';
import { isMeasuredPhase, SEQUENTIAL_PHASE } from '../contracts/deployments.js';
import type { Overhead } from '../contracts/summary.js';
import { baselineLabels } from './rounds.js';
import { bootstrapPercentileDiff, DEFAULT_BOOTSTRAP } from './stats.js';

export type { Overhead };

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

export function overheads(db: Database.Database, runs: readonly ReportRun[]): Overhead[] {
  const { baseline } = baselineLabels(runs);
  const latencies = db.prepare('SELECT latency_ms FROM client_requests WHERE label = ? AND phase = ? AND ok = 1').pluck();
  const phases = (r: ReportRun): string[] => [...new Set(r.phases.map((p) => p.name).filter(isMeasuredPhase))];
  const out: Overhead[] = [];
  for (const run of runs) {
    const base = runs.find((r) => r.group === baseline && r.round === run.round);
    if (!base || run === base) continue;
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
