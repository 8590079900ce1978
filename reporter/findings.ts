// Sentences written from the data: what each deployment costs against native, and per deployment kind
// the pros and cons this recording shows. Only measured differences are stated; an overhead whose 95 %
// interval contains zero is called noise.
import { BASELINE_DEPLOYMENT, DEPLOYMENT_KINDS } from '../contracts/deployments.js';
import { fixed, signedMs } from './format.js';
import { type Overhead, significant } from './overhead.js';
import type { PhaseSummary, ReplicaSummary, RunFigures } from './summarize.js';

/** The closed-loop phase with the most requests in flight: where throughput is measured. */
function throughputPhase(phases: readonly PhaseSummary[]): string | undefined {
  const closed = phases.filter((p) => (p.concurrency ?? 0) > 1);
  return closed.sort((a, b) => (b.concurrency ?? 0) - (a.concurrency ?? 0))[0]?.phase;
}

const rateIn = (phases: readonly PhaseSummary[], label: string, phase: string | undefined): number | undefined =>
  phases.find((p) => p.label === label && p.phase === phase)?.reqPerSec;

const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || b === 0 ? undefined : a / b;

export function describeOverhead(o: Overhead): string {
  const ci = `(95 % CI ${fixed(o.diff.low)} to ${fixed(o.diff.high)} ms)`;
  const what = `${o.phase} p${o.percentile}`;
  if (!significant(o)) return `${o.label}'s ${what} latency is within noise of ${o.baseline}: ${signedMs(o.diff.estimate)} ms ${ci}`;
  return o.diff.estimate >= 0
    ? `${o.label} adds ${fixed(o.diff.estimate)} ms ${ci} to ${what} latency over ${o.baseline} (${fixed(o.baselineMs)} → ${fixed(o.valueMs)} ms)`
    : `${o.label} is ${fixed(-o.diff.estimate)} ms faster ${ci} at ${what} than ${o.baseline} (${fixed(o.baselineMs)} → ${fixed(o.valueMs)} ms)`;
}

function spreadSentence(label: string, replicas: readonly ReplicaSummary[]): string | undefined {
  const total = replicas.reduce((a, r) => a + r.requests, 0);
  if (replicas.length < 2 || total === 0) return undefined;
  const shares = replicas.map((r) => `${((100 * r.requests) / total).toFixed(0)} %`);
  return `${label} spread its requests ${shares.join(' / ')} over its ${replicas.length} replicas (even would be ${(100 / replicas.length).toFixed(0)} % each)`;
}

/** Every phase's p50 overhead, and the p99 overhead in the reference phase. */
export function findings(runs: readonly RunFigures[], replicas: readonly ReplicaSummary[], phases: readonly PhaseSummary[],
  overheads: readonly Overhead[], reference?: string): string[] {
  const out: string[] = [];
  for (const o of overheads) if (o.percentile === 50 || o.phase === reference) out.push(describeOverhead(o));
  const base = runs.find((r) => r.run.label === overheads[0]?.baseline);
  if (base) {
    for (const r of runs) {
      if (r === base) continue;
      const cpu = ratio(r.cpuMsPerRequest, base.cpuMsPerRequest);
      if (cpu !== undefined)
        out.push(`${r.run.label} used ${fixed(r.cpuMsPerRequest)} ms of CPU per request, ${cpu >= 1 ? `${fixed((cpu - 1) * 100, 0)} % more` : `${fixed((1 - cpu) * 100, 0)} % less`} than ${base.run.label} (${fixed(base.cpuMsPerRequest)} ms)`);
      const mem = ratio(r.memBytes.mean, base.memBytes.mean);
      if (mem !== undefined) out.push(`${r.run.label} held ${fixed(mem)}× ${base.run.label}'s memory on average (${r.replicas} replica${r.replicas === 1 ? '' : 's'})`);
    }
  }
  const busy = throughputPhase(phases);
  const rated = runs.filter((r) => rateIn(phases, r.run.label, busy) !== undefined);
  if (busy && rated.length > 1) {
    const rate = (r: RunFigures): number => rateIn(phases, r.run.label, busy) ?? 0;
    const order = [...rated].sort((a, b) => rate(b) - rate(a));
    out.push(`throughput in ${busy}: ${order.map((r) => `${r.run.label} ${fixed(rate(r), 1)}`).join(', ')} req/s`);
  }
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
  readonly runs: string[];
  readonly pros: string[];
  readonly cons: string[];
}

/** Per deployment kind, what this recording shows in its favour and against it, compared to native. */
export function prosAndCons(runs: readonly RunFigures[], replicas: readonly ReplicaSummary[], phases: readonly PhaseSummary[],
  overheads: readonly Overhead[], reference?: string): ProsCons[] {
  const busy = throughputPhase(phases);
  const inReference = (o: Overhead): boolean => reference === undefined || o.phase === reference;
  const out: ProsCons[] = [];
  const base = runs.find((r) => r.run.label === overheads[0]?.baseline) ?? runs.find((r) => r.run.deployment === BASELINE_DEPLOYMENT);
  for (const kind of DEPLOYMENT_KINDS) {
    const mine = runs.filter((r) => r.run.deployment === kind);
    if (mine.length === 0) continue;
    const pros: string[] = [];
    const cons: string[] = [];
    for (const r of mine) {
      if (r === base) {
        const others = overheads.filter((o) => inReference(o) && o.percentile === 50);
        const slower = others.filter((o) => significant(o) && o.diff.estimate > 0).map((o) => o.label);
        if (slower.length > 0) pros.push(`${r.run.label}: lower p50 latency${reference ? ` in ${reference}` : ''} than ${slower.join(', ')} (beyond noise)`);
        const cheaper = runs.filter((x) => x !== r && (ratio(x.cpuMsPerRequest, r.cpuMsPerRequest) ?? 0) > 1.05).map((x) => x.run.label);
        if (cheaper.length > 0) pros.push(`${r.run.label}: less CPU per request than ${cheaper.join(', ')}`);
        cons.push(`${r.run.label}: one process, no isolation, limits or restart policy from an engine (not measured; by design)`);
        continue;
      }
      for (const o of overheads.filter((x) => x.label === r.run.label && inReference(x))) {
        const text = describeOverhead(o);
        if (!significant(o) || o.diff.estimate < 0) pros.push(text);
        else cons.push(text);
      }
      const cpu = ratio(r.cpuMsPerRequest, base?.cpuMsPerRequest);
      if (cpu !== undefined) (cpu > 1.05 ? cons : pros).push(`${r.run.label}: CPU per request ${fixed(cpu)}× native`);
      const mem = ratio(r.memBytes.mean, base?.memBytes.mean);
      if (mem !== undefined) (mem > 1.1 ? cons : pros).push(`${r.run.label}: memory ${fixed(mem)}× native`);
      const rate = base ? ratio(rateIn(phases, r.run.label, busy), rateIn(phases, base.run.label, busy)) : undefined;
      if (rate !== undefined && Math.abs(rate - 1) > 0.02) (rate > 1 ? pros : cons).push(`${r.run.label}: throughput in ${busy} ${fixed(rate)}× native`);
      const spread = spreadSentence(r.run.label, replicas.filter((x) => x.label === r.run.label));
      if (spread) pros.push(spread);
      if (r.errors > 0) cons.push(`${r.run.label}: ${r.errors} failed requests`);
    }
    out.push({ kind, runs: mine.map((r) => r.run.label), pros, cons });
  }
  return out;
}
