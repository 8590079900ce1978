// The experiment's closing table: per deployment and phase, client p50/p99, server p50, req/s, and the
// overhead against native at p50. Pure; the figures come from the load summaries.
import type { DeploymentName } from '../deploy/deployment.js';
import type { LoadSummary } from '../load/stats.js';
import { targetChecks } from './targets.js';

export interface DeploymentOutcome {
  readonly name: DeploymentName;
  readonly status: 'done' | 'skipped' | 'failed' | 'interrupted';
  /** Why it was skipped or what failed. */
  readonly reason?: string;
  /** Measured phases only (no warm-up). */
  readonly summaries: readonly LoadSummary[];
  readonly runDir?: string;
}

export interface TableRow {
  readonly deployment: string;
  readonly phase: string;
  readonly requests: string;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly serverP50: number | null;
  readonly rps: number;
  readonly overheadMs: number | null;
  readonly overheadPercent: number | null;
  readonly replicas: string;
}

export function tableRows(outcomes: readonly DeploymentOutcome[]): TableRow[] {
  const native = outcomes.find((o) => o.name === 'native');
  const rows: TableRow[] = [];
  for (const o of outcomes) {
    for (const s of o.summaries) {
      const base = native?.summaries.find((n) => n.phase === s.phase)?.latencyMs?.p50;
      const p50 = s.latencyMs?.p50 ?? null;
      const overheadMs = o.name === 'native' || base === undefined || p50 === null ? null : p50 - base;
      const shares = Object.entries(s.replicaShares);
      rows.push({
        deployment: o.name,
        phase: s.phase,
        requests: s.ok === s.requests ? String(s.requests) : `${s.ok}/${s.requests} ok`,
        p50,
        p99: s.latencyMs?.p99 ?? null,
        serverP50: s.serverLatencyP50Ms,
        rps: s.rps,
        overheadMs,
        overheadPercent: overheadMs === null || !base ? null : (overheadMs / base) * 100,
        replicas: shares.length > 1 ? shares.map(([k, v]) => `${k.slice(0, 12)} ${(v * 100).toFixed(0)}%`).join(', ') : '',
      });
    }
  }
  return rows;
}

const num = (v: number | null, digits = 2): string => (v === null ? '-' : v.toFixed(digits));
const signed = (v: number | null, digits: number, unit: string): string =>
  v === null ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}${unit}`;

/** A markdown table (it reads fine in a terminal too), then one line per skipped or failed deployment. */
export function formatTable(outcomes: readonly DeploymentOutcome[]): string {
  const header = ['deployment', 'phase', 'requests', 'p50 ms', 'p99 ms', 'server p50 ms', 'req/s', 'Δp50 vs native', 'replica shares'];
  const body = tableRows(outcomes).map((r) => [
    r.deployment, r.phase, r.requests, num(r.p50), num(r.p99), num(r.serverP50), num(r.rps, 1),
    r.overheadMs === null ? '-' : `${signed(r.overheadMs, 2, ' ms')} (${signed(r.overheadPercent, 1, '%')})`,
    r.replicas,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)];
  out.push(...targetChecks(outcomes));
  for (const o of outcomes) {
    if (o.status !== 'done') out.push(`${o.name}: ${o.status}${o.reason ? ` (${o.reason})` : ''}`);
  }
  return out.join('\n');
}
