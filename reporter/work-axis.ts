// The work axis: the same deployments measured at two work levels or more (short reviews on q8 ≈ 1 ms of
// model time per request, long reviews on fp32 ≈ 100 ms). Each level's overheads come from that
// level's own rounds against its own baseline (rounds.ts, unchanged); here they are put side by side
// against the level's model time, so a reader sees which costs stay fixed per request (the same ms at
// every level, a shrinking %) and which grow with the work. Pure: per-level numbers in, points and words out.
import type { AcrossRounds, ComparedMetric, RoundComparison, WorkPoint } from '../contracts/summary.js';
import type { AnswerPhases } from './findings.js';
import { fixed } from './format.js';
import { METRIC_NAMES } from './rounds.js';
import type { RoundEstimate } from './stats.js';
import { splitLevel, type WorkLevel } from './work-level.js';

export type { WorkPoint };

/** One work level of the report: its across-round figures and where its answer reads each figure. */
export interface LevelFigures {
  readonly level: WorkLevel;
  readonly across: AcrossRounds;
  readonly answer: AnswerPhases;
  /** The level's model time per request, ms: its baseline's mean over rounds (build.ts levelFigures). */
  readonly modelMs: number | undefined;
}

/** The figures put on the axis: latency where the answer reads latency, CPU per request where it reads resources. */
export const WORK_AXIS_METRICS: ReadonlyArray<{ metric: ComparedMetric; phase: keyof AnswerPhases }> = [
  { metric: 'p50', phase: 'latency' },
  { metric: 'cpuMsPerRequest', phase: 'resources' },
];

/** diff ÷ the baseline's mean over the same rounds (that mean is diff.estimate ÷ relative). */
export function relativeOf(c: RoundComparison): RoundEstimate | undefined {
  if (c.relative === undefined || c.relative === 0 || c.diff.estimate === 0) return undefined;
  const base = c.diff.estimate / c.relative;
  return { estimate: c.relative, low: c.diff.low === undefined ? undefined : c.diff.low / base, high: c.diff.high === undefined ? undefined : c.diff.high / base };
}

/** Every level's overheads (latency p50, CPU per request) against its model time; none with fewer than two levels. */
export function workPoints(levels: readonly LevelFigures[]): WorkPoint[] {
  if (levels.length < 2) return [];
  return levels.flatMap(({ level, across, answer, modelMs }) => {
    if (modelMs === undefined) return [];
    return WORK_AXIS_METRICS.flatMap(({ metric, phase }) => across.comparisons
      .filter((c) => c.metric === metric && c.phase === answer[phase])
      .map((c): WorkPoint => {
        const relative = relativeOf(c);
        return {
          level: level.key, corpus: level.corpus, dtype: level.dtype, modelMs, label: splitLevel(c.label).label, phase: c.phase, metric,
          unit: c.unit, diff: c.diff, ...(relative ? { relative } : {}), verdict: c.verdict,
        };
      }));
  });
}

const overlap = (a: RoundEstimate, b: RoundEstimate): boolean | undefined =>
  a.low === undefined || a.high === undefined || b.low === undefined || b.high === undefined ? undefined : a.low <= b.high && b.low <= a.high;

/**
 * Per deployment and figure, the lightest level against the heaviest: an absolute overhead whose
 * intervals overlap is consistent with a fixed cost per request; one whose heavier interval lies above
 * the lighter grows with the work. With one round per level no interval exists: nothing is said.
 */
export function workSentences(points: readonly WorkPoint[]): string[] {
  const out: string[] = [];
  const keys = [...new Set(points.map((p) => `${p.label}\u0000${p.metric}`))];
  for (const key of keys) {
    const [label, metric] = key.split('\u0000') as [string, ComparedMetric];
    const mine = points.filter((p) => p.label === label && p.metric === metric).sort((a, b) => a.modelMs - b.modelMs);
    if (mine.length < 2) continue;
    const [light, heavy] = [mine[0]!, mine[mine.length - 1]!];
    const what = `${label}, ${METRIC_NAMES[metric]} (${light.phase === heavy.phase ? light.phase : `${light.phase} / ${heavy.phase}`})`;
    const at = (p: WorkPoint): string =>
      `${fixed(p.diff.estimate)} ${p.unit}${p.relative ? ` (${fixed(p.relative.estimate * 100, 1)} %)` : ''} at ${fixed(p.modelMs)} ms of model time`;
    const both = `${at(light)} → ${at(heavy)}`;
    const same = overlap(light.diff, heavy.diff);
    if (same === undefined) out.push(`${what}: ${both}; one round per level, so no interval: fixed or growing cannot be told.`);
    else if (same) out.push(`${what}: ${both}; the intervals overlap: a fixed cost per request is not ruled out (wide intervals fit growth too).`);
    else if (heavy.diff.low! > light.diff.high!) out.push(`${what}: ${both}; the heavier level's interval lies above: this overhead grows with the work.`);
    else out.push(`${what}: ${both}; the heavier level's interval lies below the lighter's.`);
  }
  return out;
}
