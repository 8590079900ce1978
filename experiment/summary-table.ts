// The experiment's closing table: per deployment and measured phase, the reporter's figures from
// summary.json (client p50/p99, server p50, req/s, the p50 overhead against native, CPU time per request,
// network growth, replica shares), then the target checks and one line per deployment that did not
// finish. Pure: every number is read from the Summary, none is computed again here, so the console,
// summary.md and REPORT.md cannot disagree.
import { formatTable } from '../common/text-table.js';
import { ALL_DEPLOYMENT_NAMES, BASELINE_DEPLOYMENT } from '../contracts/deployments.js';
import type { Summary } from '../contracts/summary.js';
import type { DeploymentOutcome } from './experiment.js';
import { phasesOf, targetChecks } from './targets.js';

export interface ClosingRow {
  readonly deployment: string;
  readonly phase: string;
  /** "160", or "150/160 ok" when some failed. */
  readonly requests: string;
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  readonly serverP50: number | undefined;
  readonly reqPerSec: number | undefined;
  /** Client p50 minus the baseline's in the same phase (the reporter's overhead figure). */
  readonly overheadMs: number | undefined;
  readonly overheadPercent: number | undefined;
  readonly cpuMsPerRequest: number | undefined;
  readonly netRxBytes: number | undefined;
  readonly netTxBytes: number | undefined;
  /** "a 34%, b 33%, c 33%" where several replicas served; '' otherwise. */
  readonly replicas: string;
}

function replicaText(shares: Readonly<Record<string, number>>): string {
  const entries = Object.entries(shares);
  return entries.length > 1 ? entries.map(([k, v]) => `${k.slice(0, 12)} ${(v * 100).toFixed(0)}%`).join(', ') : '';
}

/** The labels that finished at least one round, in the deployments' listed order (native, native#2, docker …). */
export function doneLabels(outcomes: readonly DeploymentOutcome[]): string[] {
  const rank = (o: DeploymentOutcome): number => ALL_DEPLOYMENT_NAMES.indexOf(o.name);
  const done = outcomes.filter((o) => o.status === 'done').sort((a, b) => rank(a) - rank(b) || a.label.localeCompare(b.label));
  return [...new Set(done.map((o) => o.label))];
}

/**
 * One row per measured phase of each label that ran and was reported. Where the summary holds a label's
 * phase more than once (one per round), the row shows the first; the across-round figures are the report's.
 */
export function closingRows(summary: Summary, outcomes: readonly DeploymentOutcome[]): ClosingRow[] {
  return doneLabels(outcomes).flatMap((label) =>
    phasesOf(summary, label).filter((p, i, all) => all.findIndex((q) => q.phase === p.phase) === i).map((p): ClosingRow => {
      const overhead = summary.overheads.find((x) => x.label === p.label && x.phase === p.phase && x.percentile === 50);
      const overheadMs = overhead === undefined ? undefined : overhead.valueMs - overhead.baselineMs;
      return {
        deployment: label,
        phase: p.phase,
        requests: p.ok === p.requests ? String(p.requests) : `${p.ok}/${p.requests} ok`,
        p50: p.client.p50,
        p99: p.client.p99,
        serverP50: p.server.p50,
        reqPerSec: p.reqPerSec,
        overheadMs,
        overheadPercent: overheadMs === undefined || !overhead?.baselineMs ? undefined : (overheadMs / overhead.baselineMs) * 100,
        cpuMsPerRequest: p.cpuMsPerRequest,
        netRxBytes: p.netRxBytes,
        netTxBytes: p.netTxBytes,
        replicas: replicaText(p.replicaShares),
      };
    }),
  );
}

const DASH = '–';
const num = (v: number | undefined, digits = 2): string => (v === undefined ? DASH : v.toFixed(digits));
const signed = (v: number, digits: number, unit: string): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}${unit}`;
const megabytes = (v: number | undefined): string => (v === undefined ? DASH : (v / 1e6).toFixed(2));

const HEADER = [
  'deployment', 'phase', 'requests', 'p50 ms', 'p99 ms', 'server p50 ms', 'req/s', `Δp50 vs ${BASELINE_DEPLOYMENT}`,
  'CPU ms/request', 'net rx MB', 'net tx MB', 'replica shares',
];
const ALIGN = ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'] as const;

/**
 * One line per label and what happened to it in the rounds where it did not finish: `compose: skipped
 * (…)` when that was so in every round, `docker (round 2): failed (…)` when only in some.
 */
export function statusLines(outcomes: readonly DeploymentOutcome[]): string[] {
  const rounds = new Map<string, number>();
  for (const o of outcomes) rounds.set(o.label, (rounds.get(o.label) ?? 0) + 1);
  const groups = new Map<string, DeploymentOutcome[]>();
  for (const o of outcomes.filter((x) => x.status !== 'done')) {
    const key = JSON.stringify([o.label, o.status, o.reason ?? '']);
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  return [...groups.values()].map((group) => {
    const o = group[0]!;
    const which = group.length === rounds.get(o.label) ? '' : ` (round${group.length > 1 ? 's' : ''} ${group.map((g) => g.round).join(', ')})`;
    return `${o.label}${which}: ${o.status}${o.reason ? ` (${o.reason})` : ''}`;
  });
}

/**
 * The closing table (markdown, which reads fine in a terminal too), then the target checks, then one line
 * per deployment that was skipped, failed or interrupted.
 */
export function formatClosingTable(summary: Summary, outcomes: readonly DeploymentOutcome[]): string {
  const body = closingRows(summary, outcomes).map((r) => [
    r.deployment, r.phase, r.requests, num(r.p50), num(r.p99), num(r.serverP50), num(r.reqPerSec, 1),
    r.overheadMs === undefined ? DASH : `${signed(r.overheadMs, 2, ' ms')} (${signed(r.overheadPercent ?? 0, 1, '%')})`,
    num(r.cpuMsPerRequest), megabytes(r.netRxBytes), megabytes(r.netTxBytes), r.replicas,
  ]);
  return [formatTable(HEADER, body, { align: ALIGN, style: 'markdown' }), ...targetChecks(summary, outcomes), ...statusLines(outcomes)].join('\n');
}

/** What is printed when there are no reporter figures: why, and what happened to each deployment. */
export function formatWithoutFigures(why: string, outcomes: readonly DeploymentOutcome[]): string {
  const ran = outcomes
    .filter((o) => o.status === 'done')
    .map((o) => `${o.label}${outcomes.some((x) => x.round > 1) ? ` (round ${o.round})` : ''}: done (${o.phases.join(', ')})`);
  return [`no figures: ${why}`, ...ran, ...statusLines(outcomes)].join('\n');
}
