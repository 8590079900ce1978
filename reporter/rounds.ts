// Figures across the experiment's rounds. Every round measures every deployment (in an order that changes
// from round to round), so whatever differs between rounds — the order, a warmer client, the page cache,
// a neighbour — shows up as round-to-round spread. Each compared figure is taken per round; an overhead is
// the deployment's figure minus the baseline's IN THE SAME ROUND (rounds pair deployments in time), and
// the per-round overheads are summarised by their mean and a 95 % t-interval. Pure: phase summaries in,
// numbers and verdicts out.
import { BASELINE_DEPLOYMENT } from '../contracts/deployments.js';
import type { AcrossRounds, ComparedMetric, PhaseSummary, RoundComparison, RoundFigure, RoundValue, Verdict } from '../contracts/summary.js';
import { COMPARED_METRICS } from '../contracts/summary.js';
import { meanInterval, type RoundEstimate } from './stats.js';

export type { AcrossRounds, RoundComparison, RoundFigure };

/** A run as this module needs it: which label it belongs to and which round it was. */
export interface RoundRun {
  readonly label: string;
  readonly group: string;
  readonly round: number;
  readonly deployment: string;
}

export const METRIC_UNITS: Record<ComparedMetric, string> = {
  p50: 'ms', p90: 'ms', p99: 'ms', mean: 'ms', reqPerSec: 'req/s', cpuMsPerRequest: 'ms', memMiB: 'MiB', memPercent: '%',
  platformCpuMsPerRequest: 'ms', deploymentCpuMsPerRequest: 'ms', platformMemMiB: 'MiB', deploymentMemMiB: 'MiB',
  clientBytesSentPerRequest: 'B', clientBytesReceivedPerRequest: 'B', netRxBytesPerRequest: 'B', netTxBytesPerRequest: 'B',
  blockReadBytesPerRequest: 'B', blockWriteBytesPerRequest: 'B',
};

export const METRIC_NAMES: Record<ComparedMetric, string> = {
  p50: 'p50 latency', p90: 'p90 latency', p99: 'p99 latency', mean: 'mean latency', reqPerSec: 'throughput',
  cpuMsPerRequest: 'CPU per request', memMiB: 'memory', memPercent: 'MEM %',
  platformCpuMsPerRequest: 'platform CPU per request', deploymentCpuMsPerRequest: 'service + platform CPU per request',
  platformMemMiB: 'platform memory', deploymentMemMiB: 'service + platform memory',
  clientBytesSentPerRequest: 'request bytes on the client socket', clientBytesReceivedPerRequest: 'response bytes on the client socket',
  netRxBytesPerRequest: 'container network received per request', netTxBytesPerRequest: 'container network sent per request',
  blockReadBytesPerRequest: 'block read per request', blockWriteBytesPerRequest: 'block write per request',
};

export const METHOD = 'per-round figures; overhead = figure − the baseline\'s in the same round; mean over rounds with a 95 % t-interval '
  + '(t with rounds − 1 degrees of freedom); "real difference" when the interval excludes 0 and does not overlap the A/A interval';

const mib = (bytes: number | undefined): number | undefined => (bytes === undefined ? undefined : bytes / 2 ** 20);

/** A phase's figure; throughput only where the load was closed-loop (an open loop's rate is what was offered). */
export function metricValue(p: PhaseSummary, metric: ComparedMetric): number | undefined {
  switch (metric) {
    case 'p50': return p.client.p50;
    case 'p90': return p.client.p90;
    case 'p99': return p.client.p99;
    case 'mean': return p.client.mean;
    case 'reqPerSec': return p.rateRps === null ? p.reqPerSec : undefined;
    case 'cpuMsPerRequest': return p.cpuMsPerRequest;
    case 'memMiB': return mib(p.memBytes.mean);
    case 'memPercent': return p.memPercent.mean;
    case 'platformCpuMsPerRequest': return p.platform?.cpuMsPerRequest;
    case 'deploymentCpuMsPerRequest': return p.deploymentCpuMsPerRequest;
    case 'platformMemMiB': return mib(p.platform?.memBytes.mean);
    case 'deploymentMemMiB': return mib(p.deploymentMemMeanBytes);
    case 'clientBytesSentPerRequest':
    case 'clientBytesReceivedPerRequest':
    case 'netRxBytesPerRequest':
    case 'netTxBytesPerRequest':
    case 'blockReadBytesPerRequest':
    case 'blockWriteBytesPerRequest':
      return p[metric];
  }
}

/** The baseline label (`native`, else the first label of a native deployment) and its A/A twin (`native#2`). */
export function baselineLabels(runs: readonly RoundRun[]): { baseline: string | null; aa: string | null } {
  const groups = [...new Set(runs.map((r) => r.group))];
  const baseline = groups.find((g) => g === BASELINE_DEPLOYMENT)
    ?? runs.find((r) => r.deployment === BASELINE_DEPLOYMENT && !r.group.includes('#'))?.group ?? null;
  const aa = baseline === null ? null : (groups.find((g) => g.startsWith(`${baseline}#`)) ?? null);
  return { baseline, aa };
}

/** Whether two intervals share a point. */
const overlaps = (a: RoundEstimate, b: RoundEstimate): boolean =>
  a.low !== undefined && a.high !== undefined && b.low !== undefined && b.high !== undefined && a.low <= b.high && b.low <= a.high;

/**
 * The rule: one round decides nothing (run-level noise cannot be separated); an interval containing 0 is
 * noise; an interval overlapping the A/A interval is within the instrument's own noise; else real.
 */
export function verdictOf(diff: RoundEstimate, aa: RoundEstimate | null, rounds: number): { verdict: Verdict; reason: string } {
  if (diff.low === undefined || diff.high === undefined)
    return { verdict: 'not decided', reason: `${rounds === 1 ? 'single round' : `${rounds} paired rounds`}: run-level noise cannot be separated` };
  if (diff.low <= 0 && diff.high >= 0) return { verdict: 'noise', reason: 'the 95 % interval contains 0' };
  if (aa && overlaps(diff, aa)) return { verdict: 'noise', reason: 'the 95 % interval overlaps the A/A interval' };
  return { verdict: 'real difference', reason: aa ? 'the 95 % interval excludes 0 and the A/A interval' : 'the 95 % interval excludes 0 (no A/A pair to compare with)' };
}

type Values = Map<string, RoundValue[]>; // `${group}\u0000${phase}\u0000${metric}` → values by round

const keyOf = (group: string, phase: string, metric: ComparedMetric): string => `${group}\u0000${phase}\u0000${metric}`;

function collect(runs: readonly RoundRun[], phases: readonly PhaseSummary[]): Values {
  const byLabel = new Map(runs.map((r) => [r.label, r]));
  const out: Values = new Map();
  for (const p of phases) {
    const run = byLabel.get(p.label);
    if (!run) continue;
    for (const metric of COMPARED_METRICS) {
      const value = metricValue(p, metric);
      if (value === undefined) continue;
      const key = keyOf(run.group, p.phase, metric);
      out.set(key, [...(out.get(key) ?? []), { round: run.round, value }].sort((a, b) => a.round - b.round));
    }
  }
  return out;
}

/** This label's values minus the baseline's, for the rounds both have. */
function paired(values: readonly RoundValue[], base: readonly RoundValue[]): { diffs: RoundValue[]; baseMean: number | undefined } {
  const diffs: RoundValue[] = [];
  const baseUsed: number[] = [];
  for (const v of values) {
    const b = base.find((x) => x.round === v.round);
    if (!b) continue;
    diffs.push({ round: v.round, value: v.value - b.value });
    baseUsed.push(b.value);
  }
  return { diffs, baseMean: baseUsed.length ? baseUsed.reduce((a, v) => a + v, 0) / baseUsed.length : undefined };
}

function compare(group: string, baseline: string, phase: string, metric: ComparedMetric, values: Values, aa: RoundEstimate | null): RoundComparison | undefined {
  const mine = values.get(keyOf(group, phase, metric));
  const base = values.get(keyOf(baseline, phase, metric));
  if (!mine || !base) return undefined;
  const { diffs, baseMean } = paired(mine, base);
  const diff = meanInterval(diffs.map((d) => d.value));
  if (!diff) return undefined;
  return {
    label: group, baseline, phase, metric, unit: METRIC_UNITS[metric], perRound: diffs, diff,
    relative: baseMean ? diff.estimate / baseMean : undefined,
    aa, ...verdictOf(diff, aa, diffs.length),
  };
}

/** Every label's figures over rounds, and every label against the baseline (the A/A label too). */
export function acrossRounds(runs: readonly RoundRun[], phases: readonly PhaseSummary[]): AcrossRounds {
  const values = collect(runs, phases);
  const deployments = new Map(runs.map((r) => [r.group, r.deployment]));
  const figures: RoundFigure[] = [];
  for (const [key, perRound] of values) {
    const [label, phase, metric] = key.split('\u0000') as [string, string, ComparedMetric];
    figures.push({ label, deployment: deployments.get(label) ?? 'other', phase, metric, unit: METRIC_UNITS[metric], perRound,
      interval: meanInterval(perRound.map((v) => v.value))! });
  }
  const { baseline, aa } = baselineLabels(runs);
  const comparisons: RoundComparison[] = [];
  if (baseline !== null) {
    const pairs = [...new Set(figures.map((f) => `${f.phase}\u0000${f.metric}`))].map((k) => k.split('\u0000') as [string, ComparedMetric]);
    for (const [phase, metric] of pairs) {
      const aaRow = aa === null ? undefined : compare(aa, baseline, phase, metric, values, null);
      if (aaRow) comparisons.push(aaRow);
      const aaDiff = aaRow?.diff.low !== undefined ? aaRow.diff : null;
      for (const group of deployments.keys())
        if (group !== baseline && group !== aa) {
          const row = compare(group, baseline, phase, metric, values, aaDiff);
          if (row) comparisons.push(row);
        }
    }
  }
  const rounds = Math.max(0, ...[...values.values()].map((v) => v.length));
  const order = sortOrder(runs, phases);
  return { rounds, method: METHOD, baseline, aaLabel: aa, figures: figures.sort(order), comparisons: comparisons.sort(order) };
}

/** Labels in the runs' order, phases in the order they ran, figures in COMPARED_METRICS order. */
function sortOrder(runs: readonly RoundRun[], phases: readonly PhaseSummary[]) {
  const labels = [...new Set(runs.map((r) => r.group))];
  const phaseNames = [...new Set([...phases].sort((a, b) => a.startMs - b.startMs).map((p) => p.phase))];
  return (a: { label: string; phase: string; metric: ComparedMetric }, b: typeof a): number =>
    labels.indexOf(a.label) - labels.indexOf(b.label) || phaseNames.indexOf(a.phase) - phaseNames.indexOf(b.phase)
    || COMPARED_METRICS.indexOf(a.metric) - COMPARED_METRICS.indexOf(b.metric);
}
