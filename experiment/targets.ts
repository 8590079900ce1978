// The project's targets for this machine, checked against the reporter's figures: docker and compose add
// ≤ 1 ms p50 over native at concurrency 1 (judged on the interval across rounds: met when all of it is
// ≤ 1 ms, missed when all of it is above, not decided otherwise or with one round); swarm ×3 gives each replica 33 ± 5 % of the requests and
// loses ≤ 10 % throughput against swarm ×1 in the concurrent phase. Pure: reads a Summary only.
import { BASELINE_DEPLOYMENT, SEQUENTIAL_PHASE } from '../contracts/deployments.js';
import type { PhaseSummary, RoundComparison, Summary } from '../contracts/summary.js';
import type { DeploymentOutcome } from './experiment.js';

const MAX_OVERHEAD_MS = 1;
const SHARE_TOLERANCE = 0.05;
const MAX_SCALING_LOSS = 0.1;
/** Requests no replica could be named for are listed under this key; they are not a replica. */
const UNATTRIBUTED = '(unattributed)';

const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
const isClosedLoop = (p: PhaseSummary): boolean => p.concurrency !== null && p.concurrency > 1;
const signedText = (v: number, digits: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;

/** "interval 0.10 to 0.50 ms, met", or "single round: not decided" when there is no interval. */
function overheadCheck(c: RoundComparison): string {
  const { estimate, low, high } = c.diff;
  if (low === undefined || high === undefined) return `${signedText(estimate, 2)} ms, single round: not decided`;
  const state = high <= MAX_OVERHEAD_MS ? 'met' : low > MAX_OVERHEAD_MS ? 'MISSED' : `not decided (the interval spans ${MAX_OVERHEAD_MS} ms)`;
  return `${signedText(estimate, 2)} ms, interval ${low.toFixed(2)} to ${high.toFixed(2)} ms over ${c.perRound.length} rounds, ${state}`;
}

function overheadLines(summary: Summary, done: ReadonlySet<string>): string[] {
  return ['docker', 'compose'].filter((name) => done.has(name)).flatMap((name) => {
    const c = summary.acrossRounds?.comparisons.find((x) => x.label === name && x.baseline === BASELINE_DEPLOYMENT && x.phase === SEQUENTIAL_PHASE && x.metric === 'p50');
    return c ? [`target: ${name} adds <= ${MAX_OVERHEAD_MS} ms p50 over ${BASELINE_DEPLOYMENT} at concurrency 1: ${overheadCheck(c)}`] : [];
  });
}

function shareLine(concurrent: PhaseSummary | undefined): string[] {
  if (!concurrent) return [];
  const shares = Object.entries(concurrent.replicaShares).filter(([name]) => name !== UNATTRIBUTED).map(([, v]) => v);
  const even = shares.length === 3 && shares.every((v) => Math.abs(v - 1 / 3) <= SHARE_TOLERANCE);
  const text = shares.map((v) => `${(v * 100).toFixed(1)}%`).join(' / ');
  return [`target: swarm-3 gives each of 3 replicas 33 ± 5 % (${concurrent.phase}): ${text || 'no replica seen'}, ${verdict(even)}`];
}

function scalingLines(three: readonly PhaseSummary[], one: readonly PhaseSummary[]): string[] {
  return three.filter(isClosedLoop).flatMap((s) => {
    const base = one.find((b) => b.phase === s.phase);
    if (!base || base.reqPerSec === undefined || base.reqPerSec <= 0 || s.reqPerSec === undefined) return [];
    const change = (s.reqPerSec - base.reqPerSec) / base.reqPerSec;
    return [
      `target: swarm-3 loses <= 10 % throughput against swarm-1 (${s.phase}): ${s.reqPerSec.toFixed(1)} vs ${base.reqPerSec.toFixed(1)} req/s ` +
        `(${signedText(change * 100, 1)}%), ${verdict(change >= -MAX_SCALING_LOSS)}`,
    ];
  });
}

/** The measured phases of one reported deployment, in the order they ran. */
export function phasesOf(summary: Summary, label: string): PhaseSummary[] {
  const mine = summary.phases.filter((p) => (p.group ?? p.label) === label);
  const first = Math.min(...mine.map((p) => p.round ?? 1)); // with several rounds: the first round's
  return mine.filter((p) => (p.round ?? 1) === first).sort((a, b) => a.startMs - b.startMs);
}

/** One line per target that this run's deployments can tell; nothing about deployments that did not run. */
export function targetChecks(summary: Summary, outcomes: readonly DeploymentOutcome[]): string[] {
  const done = new Set(outcomes.filter((o) => o.status === 'done').map((o) => o.label));
  const ran = (label: string): PhaseSummary[] => (done.has(label) ? phasesOf(summary, label) : []);
  const three = ran('swarm-3');
  return [
    ...overheadLines(summary, done),
    ...shareLine(three.find(isClosedLoop) ?? three[0]),
    ...scalingLines(three, ran('swarm-1')),
  ];
}
