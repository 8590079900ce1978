// The targets for this machine, checked against the run's figures: docker and compose add
// ≤ 1 ms p50 over native at concurrency 1; swarm ×3 gives each replica 33 ± 5 % of the requests and
// loses ≤ 10 % throughput against swarm ×1 in the concurrent phase. Pure.
import type { DeploymentOutcome } from './summary-table.js';

const MAX_OVERHEAD_MS = 1;
const SHARE_TOLERANCE = 0.05;
const MAX_SCALING_LOSS = 0.1;

const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

export function targetChecks(outcomes: readonly DeploymentOutcome[]): string[] {
  const lines: string[] = [];
  const find = (name: string) => outcomes.find((o) => o.name === name && o.status === 'done');
  const nativeSeq = find('native')?.summaries.find((s) => s.phase === 'sequential')?.latencyMs?.p50;
  for (const name of ['docker', 'compose']) {
    const p50 = find(name)?.summaries.find((s) => s.phase === 'sequential')?.latencyMs?.p50;
    if (nativeSeq === undefined || p50 === undefined) continue;
    const delta = p50 - nativeSeq;
    lines.push(`target: ${name} adds <= ${MAX_OVERHEAD_MS} ms p50 over native at concurrency 1: ${delta >= 0 ? '+' : ''}${delta.toFixed(2)} ms, ${verdict(delta <= MAX_OVERHEAD_MS)}`);
  }
  const three = find('swarm-3');
  const concurrent = three?.summaries.find((s) => s.phase.startsWith('closed-')) ?? three?.summaries[0];
  if (concurrent) {
    const shares = Object.values(concurrent.replicaShares);
    const even = shares.length === 3 && shares.every((v) => Math.abs(v - 1 / 3) <= SHARE_TOLERANCE);
    const text = shares.map((v) => `${(v * 100).toFixed(1)}%`).join(' / ');
    lines.push(`target: swarm-3 gives each of 3 replicas 33 ± 5 % (${concurrent.phase}): ${text || 'no replica seen'}, ${verdict(even)}`);
  }
  const one = find('swarm-1');
  for (const s of three?.summaries ?? []) {
    const base = one?.summaries.find((b) => b.phase === s.phase);
    if (!base || !s.phase.startsWith('closed-') || base.rps <= 0) continue;
    const change = (s.rps - base.rps) / base.rps;
    lines.push(
      `target: swarm-3 loses <= 10 % throughput against swarm-1 (${s.phase}): ${s.rps.toFixed(1)} vs ${base.rps.toFixed(1)} req/s ` +
        `(${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%), ${verdict(change >= -MAX_SCALING_LOSS)}`,
    );
  }
  return lines;
}
