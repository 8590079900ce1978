// What the HAProxy front costs, as the Swarm pros and cons state it, from this recording only: its CPU
// per request from the platform rows (component 'front') of each label that went through it, and the
// latency it added where a `<name>-front` control ran beside `<name>` (the experiment's --front). Pure.
import { median } from '../common/percentile.js';
import { SEQUENTIAL_PHASE } from '../contracts/deployments.js';
import type { PhaseSummary } from '../contracts/summary.js';
import { fixed } from './format.js';
import type { RunFigures } from './summarize.js';

const FRONT_SUFFIX = '-front';
const groupOf = (r: { label: string; group?: string | undefined }): string => r.group ?? r.label;
const defined = (xs: ReadonlyArray<number | null | undefined>): number[] => xs.filter((v): v is number => v !== undefined && v !== null);
const rounds = (n: number): string => `${n === 1 ? 'one round' : `median of ${n} rounds`}`;

/** Per label through the front: its CPU per request and its share of the deployment's (service + platform). */
function cpuLines(runs: readonly RunFigures[]): string[] {
  const out: string[] = [];
  for (const label of [...new Set(runs.map((r) => r.run.group))]) {
    const mine = runs.filter((r) => r.run.group === label);
    const front = defined(mine.map((r) => r.platform?.byComponent['front']?.cpuMsPerRequest));
    if (front.length === 0) continue;
    const whole = defined(mine.map((r) => r.deploymentCpuMsPerRequest));
    const f = median(front)!;
    const w = median(whole);
    const share = w === undefined || w <= 0 ? '' : `, ${((100 * f) / w).toFixed(0)} % of the ${fixed(w, 3)} ms the deployment took (service + platform)`;
    out.push(`${label}: the HAProxy front took ${fixed(f, 3)} ms of CPU per request${share} (${rounds(front.length)})`);
  }
  return out;
}

/** `<name>-front` against `<name>` on the sequential phase (one request at a time): the front's added p50. */
function latencyLines(phases: readonly PhaseSummary[]): string[] {
  const seq = phases.filter((p) => p.phase === SEQUENTIAL_PHASE);
  const p50s = (label: string): number[] => defined(seq.filter((p) => groupOf(p) === label).map((p) => p.client.p50));
  const out: string[] = [];
  for (const label of [...new Set(seq.map(groupOf))].filter((l) => l.endsWith(FRONT_SUFFIX))) {
    const base = label.slice(0, -FRONT_SUFFIX.length);
    const [a, b] = [p50s(label), p50s(base)];
    if (a.length === 0 || b.length === 0) continue;
    const [ma, mb] = [median(a)!, median(b)!];
    const d = ma - mb;
    out.push(`the front added ${d >= 0 ? '+' : '−'}${fixed(Math.abs(d), 3)} ms to the ${SEQUENTIAL_PHASE} p50 (${label} ${fixed(ma, 3)} ms against ${base} ${fixed(mb, 3)} ms, ${rounds(Math.min(a.length, b.length))}; a figure, not a verdict)`);
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
