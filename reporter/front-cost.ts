// What the HAProxy front costs, as the Swarm pros and cons state it, from this recording only: its CPU
// per request from the platform rows (component 'front') of each label that went through it, and the
// latency it added where a `<name>-front` control ran beside `<name>` (the experiment's --front). Pure.
import { mean } from '../common/percentile.js';
import { SEQUENTIAL_PHASE } from '../contracts/deployments.js';
import type { PhaseSummary } from '../contracts/summary.js';
import { fixed } from './format.js';
import type { RunFigures } from './summarize.js';

const FRONT_SUFFIX = '-front';
const groupOf = (r: { label: string; group?: string | undefined }): string => r.group ?? r.label;
const defined = (xs: ReadonlyArray<number | null | undefined>): number[] => xs.filter((v): v is number => v !== undefined && v !== null);
const rounds = (n: number): string => `${n === 1 ? 'one round' : `mean of ${n} rounds`}`;

/** Per label through the front: its CPU per request and its share of the deployment's (service + platform). */
function cpuLines(runs: readonly RunFigures[]): string[] {
  const out: string[] = [];
  for (const label of [...new Set(runs.map((r) => r.run.group))]) {
    const mine = runs.filter((r) => r.run.group === label);
    const front = defined(mine.map((r) => r.platform?.byComponent['front']?.cpuMsPerRequest));
    if (front.length === 0) continue;
    const whole = defined(mine.map((r) => r.deploymentCpuMsPerRequest));
    const f = mean(front)!;
    const w = mean(whole);
    const share = w === undefined || w <= 0 ? '' : `, ${((100 * f) / w).toFixed(0)} % of the ${fixed(w, 3)} ms the deployment took (service + platform)`;
    out.push(`${label}: the HAProxy front took ${fixed(f, 3)} ms of CPU per request${share} (${rounds(front.length)})`);
  }
  return out;
}

/**
 * `<name>-front` against `<name>` on the sequential phase (one request at a time): the front's added p50,
 * paired by round (the two labels of a round ran side by side), with every round's difference shown.
 */
function latencyLines(phases: readonly PhaseSummary[]): string[] {
  const seq = phases.filter((p) => p.phase === SEQUENTIAL_PHASE);
  const byRound = (label: string): Map<number, number> =>
    new Map(seq.filter((p) => groupOf(p) === label && p.client.p50 !== undefined && p.client.p50 !== null).map((p) => [p.round ?? 1, p.client.p50!]));
  const out: string[] = [];
  for (const label of [...new Set(seq.map(groupOf))].filter((l) => l.endsWith(FRONT_SUFFIX))) {
    const base = label.slice(0, -FRONT_SUFFIX.length);
    const [a, b] = [byRound(label), byRound(base)];
    const diffs = [...a].filter(([r]) => b.has(r)).sort(([x], [y]) => x - y).map(([r, v]) => v - b.get(r)!);
    if (diffs.length === 0) continue;
    const signed = (d: number): string => `${d >= 0 ? '+' : '−'}${fixed(Math.abs(d), 3)}`;
    const each = diffs.length === 1 ? 'one round' : `mean of ${diffs.length} rounds; per round ${diffs.map(signed).join(', ')} ms`;
    out.push(`the front added ${signed(mean(diffs)!)} ms to the ${SEQUENTIAL_PHASE} p50 (${label} − ${base} in the same round, ${each}; a figure, not a verdict)`);
  }
  return out;
}

/**
 * The front's cost for the Swarm entry of the pros and cons: CPU lines are cons (a cost the deployment
 * pays); the added latency is a con when measured, else a note saying where to measure it.
 */
export function frontCost(runs: readonly RunFigures[], phases: readonly PhaseSummary[]): { cons: string[]; notes: string[] } {
  const cons = cpuLines(runs);
  const latency = latencyLines(phases);
  const notes: string[] = [];
  if (cons.length === 0 && runs.some((r) => r.run.manifest?.target?.front))
    notes.push('the front\'s CPU per request: not in this recording (no platform rows for it: a recording before schema v2)');
  if (latency.length > 0) cons.push(...latency);
  else if (runs.some((r) => r.run.manifest?.target?.front))
    notes.push(`the latency the front adds: not measured in this recording (no \`<name>-front\` control beside \`<name>\`: \`npm run experiment -- --front\`; with trivial backends, \`npm run bench -- front-proxy\`)`);
  return { cons, notes };
}
