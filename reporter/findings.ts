// Sentences written from the data: the answer per deployment (latency, throughput, CPU and memory against
// native, each with its interval across rounds and the A/A interval beside it), findings and pros and
// cons per deployment kind. A difference is stated as a finding only when its verdict is "real
// difference" (rounds.ts: the interval across rounds excludes 0 and the A/A interval).
import { BASELINE_DEPLOYMENT, DEPLOYMENT_KINDS } from '../contracts/deployments.js';
import type { AcrossRounds, ComparedMetric, PhaseSummary, RoundComparison } from '../contracts/summary.js';
import { fixed } from './format.js';
import { METRIC_NAMES } from './rounds.js';
import type { RoundEstimate } from './stats.js';
import type { ReplicaSummary, RunFigures } from './summarize.js';

/** Where each answer figure is read: latency in the reference phase, the rest under the most load. */
export interface AnswerPhases {
  readonly latency: string | undefined;
  readonly throughput: string | undefined;
  readonly resources: string | undefined;
}

/** The closed-loop phase with the most requests in flight: where throughput is measured. */
export function answerPhases(phases: readonly PhaseSummary[], reference: string | undefined): AnswerPhases {
  const closed = phases.filter((p) => (p.concurrency ?? 0) > 1).sort((a, b) => (b.concurrency ?? 0) - (a.concurrency ?? 0));
  const busy = closed[0]?.phase;
  return { latency: reference, throughput: busy, resources: busy ?? reference };
}

const HIGHER_IS_BETTER: ReadonlySet<ComparedMetric> = new Set(['reqPerSec']);

/** Stated as findings: every compared figure but MEM %, which is memory ÷ the same host memory and would repeat memory's verdict. */
const stated = (c: RoundComparison): boolean => c.metric !== 'memPercent';
const digits = (unit: string): number => (unit === 'MiB' || unit === 'req/s' ? 1 : 2);
const signed = (v: number, d: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(d)}`;

/** "0.10 to 0.50" or, with one round, "no interval (single round)". */
export function intervalText(e: RoundEstimate | null | undefined, d = 2): string {
  if (!e || e.low === undefined || e.high === undefined) return 'no interval (single round)';
  return `${fixed(e.low, d)} to ${fixed(e.high, d)}`;
}

/** "+0.30 ms (+15 %; 95 % CI 0.10 to 0.50; A/A −0.05 to 0.08)". */
export function diffText(c: RoundComparison): string {
  const d = digits(c.unit);
  const rel = c.relative === undefined ? '' : `${signed(c.relative * 100, 1)} %; `;
  const aa = c.aa ? `; A/A ${intervalText(c.aa, d)}` : '';
  const ci = c.diff.low === undefined ? 'single round, no interval' : `95 % CI ${intervalText(c.diff, d)}`;
  return `${signed(c.diff.estimate, d)} ${c.unit} (${rel}${ci}${aa})`;
}

/** Whether a real difference is in the deployment's favour (lower latency, CPU, memory; higher throughput). */
export const inFavour = (c: RoundComparison): boolean => (HIGHER_IS_BETTER.has(c.metric) ? c.diff.estimate > 0 : c.diff.estimate < 0);

export function describeComparison(c: RoundComparison): string {
  return `${c.label}: ${METRIC_NAMES[c.metric]} in ${c.phase} ${diffText(c)} against ${c.baseline}: ${c.verdict}`;
}

/** The comparisons the answer shows for one label: latency p50 and p99, throughput, CPU per request, memory. */
export function answerComparisons(across: AcrossRounds, label: string, where: AnswerPhases): RoundComparison[] {
  const pick = (metric: ComparedMetric, phase: string | undefined): RoundComparison[] =>
    across.comparisons.filter((c) => c.label === label && c.metric === metric && c.phase === phase);
  return [...pick('p50', where.latency), ...pick('p99', where.latency), ...pick('reqPerSec', where.throughput),
    ...pick('cpuMsPerRequest', where.resources), ...pick('memMiB', where.resources)];
}

/** One paragraph per label against the baseline: the answer to "what does this deployment cost?". */
export function answerSentences(across: AcrossRounds, where: AnswerPhases): string[] {
  if (across.baseline === null) return [];
  const labels = [...new Set(across.comparisons.map((c) => c.label))].filter((l) => l !== across.aaLabel);
  const out = labels.map((label) => {
    const parts = answerComparisons(across, label, where).map((c) => `${METRIC_NAMES[c.metric]} (${c.phase}) ${diffText(c)}, ${c.verdict}`);
    return `${label} against ${across.baseline}: ${parts.join('; ')}.`;
  });
  const aa = across.aaLabel === null ? [] : answerComparisons(across, across.aaLabel, where);
  if (aa.length > 0) {
    const real = aa.filter((c) => c.verdict === 'real difference');
    out.push(`A/A floor (${across.aaLabel} against ${across.baseline}, the same deployment measured twice): `
      + `${aa.map((c) => `${METRIC_NAMES[c.metric]} ${intervalText(c.diff, digits(c.unit))} ${c.unit}`).join('; ')}`
      + (real.length ? `. The instrument itself differs here (${real.map((c) => METRIC_NAMES[c.metric]).join(', ')}): treat every verdict with care.` : '.'));
  }
  return out;
}

/**
 * Where native memory comes from, for the text and the comparison figure beside the memory figures: its
 * own cgroup (the same quantity as the containers') or RSS (not comparable). undefined without a native run.
 */
export function nativeMemoryNote(runs: readonly RunFigures[]): { sentence: string; footnote: string } | undefined {
  const native = runs.filter((r) => r.memSource !== undefined && (r.run.deployment === BASELINE_DEPLOYMENT || r.memSource === 'rss'));
  if (native.length === 0) return undefined;
  const labels = (source: string): string[] => [...new Set(native.filter((r) => r.memSource === source).map((r) => r.run.group))];
  const [cgroup, rss] = [labels('cgroup'), labels('rss')];
  const sentences: string[] = [];
  const footnotes: string[] = [];
  if (cgroup.length > 0) {
    sentences.push(`Native memory (${cgroup.join(', ')}) comes from the process's own cgroup (usage − inactive file), measured as the containers' is.`);
    footnotes.push(`${cgroup.join(', ')} memory: from its own cgroup, as the containers'`);
  }
  if (rss.length > 0) {
    sentences.push(`Native memory (${rss.join(', ')}) is the process's RSS (no cgroup of its own could be made): not comparable with the containers' used memory, nor is its MEM %.`);
    footnotes.push(`${rss.join(', ')} memory: RSS, not comparable`);
  }
  return { sentence: sentences.join(' '), footnote: footnotes.join('; ') };
}

/**
 * Where block I/O comes from when it is not the group's blkio / io.stat files: /proc/<pid>/io of the
 * processes (summary.json's blockIoSource 'proc'). undefined when every run has the cgroup's files.
 */
export function blockIoSourceSentence(runs: readonly RunFigures[]): string | undefined {
  const proc = [...new Set(runs.filter((r) => r.blockIoSource === 'proc').map((r) => r.run.group))];
  if (proc.length === 0) return undefined;
  return `Block I/O of ${proc.join(', ')} is /proc/<pid>/io summed over each replica's processes (read_bytes: what they had fetched from storage; write_bytes: what they dirtied for writeback, counted when dirtied), not the group's blkio files: on cgroup v1 this kernel leaves those at 0 (the root group's total too, so \`docker stats\` shows 0 B here), and a native process without a group of its own has none.`;
}

/**
 * Which deployments read or wrote no block I/O at all in the measured window (a measured 0, not a missing
 * figure), and why that is expected: the model and libraries are read at start-up, before the window, so
 * the window's reads come from the page cache; the service's CSV lines are buffered writes. undefined
 * when every deployment has some of both (or none has a figure).
 */
export function zeroBlockIoSentence(runs: readonly RunFigures[]): string | undefined {
  // a label counts when every one of its rounds has 0
  const zero = (pick: (r: RunFigures) => number | undefined): string[] =>
    [...new Set(runs.map((r) => r.run.group))].filter((g) => runs.filter((r) => r.run.group === g).every((r) => pick(r) === 0));
  const [read, write] = [zero((r) => r.blockReadBytes), zero((r) => r.blockWriteBytes)];
  if (read.length === 0 && write.length === 0) return undefined;
  const v1 = runs.some((r) => r.run.recorded?.cgroupVersion === 1 && r.blockIoSource === 'cgroup');
  const parts = [
    ...(read.length ? [`0 B read by ${read.join(', ')}: every read in the window came from the page cache (the model and libraries are read at start-up, before it)`] : []),
    ...(write.length ? [`0 B written by ${write.join(', ')}: the service's CSV lines are buffered writes, written back by the kernel later${v1 ? ', and cgroup v1 charges that writeback to no container\'s group' : ''}`] : []),
  ];
  return `Block I/O is a measured 0, not a missing figure (its counters did not grow): ${parts.join('; ')}. The figures write such a zero as "0" where its bar would stand.`;
}

function spreadSentence(label: string, replicas: readonly ReplicaSummary[]): string | undefined {
  const total = replicas.reduce((a, r) => a + r.requests, 0);
  if (replicas.length < 2 || total === 0) return undefined;
  const shares = replicas.map((r) => `${((100 * r.requests) / total).toFixed(0)} %`);
  return `${label} spread its requests ${shares.join(' / ')} over its ${replicas.length} replicas (even would be ${(100 / replicas.length).toFixed(0)} % each)`;
}

/** Real differences against the baseline, then what the runs themselves show (spread, failures, gaps). */
export function findings(runs: readonly RunFigures[], replicas: readonly ReplicaSummary[], across: AcrossRounds): string[] {
  const real = across.comparisons.filter((c) => c.verdict === 'real difference' && c.label !== across.aaLabel && stated(c));
  const out = real.map(describeComparison);
  if (across.baseline !== null && real.length === 0)
    out.push(across.rounds < 2
      ? 'One round only: run-level noise cannot be separated from the deployments, so no difference is stated as found (run the experiment with more rounds).'
      : `No difference against ${across.baseline} is beyond the run-to-run noise of ${across.rounds} rounds.`);
  for (const c of across.comparisons.filter((x) => x.label === across.aaLabel && x.verdict === 'real difference' && stated(x)))
    out.push(`A/A check: ${describeComparison(c)} — the same deployment measured twice differs, so the method has a bias here`);
  for (const r of runs) {
    const s = spreadSentence(r.run.label, replicas.filter((x) => x.label === r.run.label));
    if (s) out.push(s);
    if (r.errors > 0) out.push(`${r.run.label}: ${r.errors} of ${r.requests} requests failed (no 2xx response)`);
    if (r.missing.length > 0) out.push(`${r.run.label}: incomplete data (${r.missing.join(', ')}); its figures are partial`);
  }
  return out;
}

export interface ProsCons {
  readonly kind: string;
  readonly labels: string[];
  readonly pros: string[];
  readonly cons: string[];
}

/** Per deployment kind, the real differences against the baseline this recording shows, for and against. */
export function prosAndCons(runs: readonly RunFigures[], replicas: readonly ReplicaSummary[], across: AcrossRounds): ProsCons[] {
  const out: ProsCons[] = [];
  const real = across.comparisons.filter((c) => c.verdict === 'real difference' && c.label !== across.aaLabel && stated(c));
  for (const kind of DEPLOYMENT_KINDS) {
    const labels = [...new Set(runs.filter((r) => r.run.deployment === kind).map((r) => r.run.group))];
    if (labels.length === 0) continue;
    const pros: string[] = [];
    const cons: string[] = [];
    for (const label of labels) {
      if (label === across.baseline) {
        const worse = real.filter((c) => !inFavour(c)).map((c) => `${METRIC_NAMES[c.metric]} in ${c.phase} than ${c.label}`);
        const better = real.filter(inFavour).map((c) => `${METRIC_NAMES[c.metric]} in ${c.phase} than ${c.label}`);
        if (worse.length) pros.push(`${label}: better ${worse.join(', ')} (real differences)`);
        if (better.length) cons.push(`${label}: worse ${better.join(', ')} (real differences)`);
        cons.push(`${label}: one process, no isolation, limits or restart policy from an engine (not measured; by design)`);
        continue;
      }
      if (label === across.aaLabel) continue;
      for (const c of real.filter((x) => x.label === label)) (inFavour(c) ? pros : cons).push(describeComparison(c));
      const first = runs.find((r) => r.run.group === label);
      const spread = first && spreadSentence(first.run.label, replicas.filter((x) => x.label === first.run.label));
      if (spread) pros.push(spread);
      const failed = runs.filter((r) => r.run.group === label).reduce((n, r) => n + r.errors, 0);
      if (failed > 0) cons.push(`${label}: ${failed} failed requests`);
    }
    out.push({ kind, labels, pros, cons });
  }
  return out;
}
