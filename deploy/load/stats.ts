// Summary figures of one load phase, from its rows. Percentiles come from an HDR histogram
// (hdr-histogram-js) recording microseconds, 3 significant digits.
import * as hdr from 'hdr-histogram-js';
import type { ClientRow } from './rows.js';

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadSummary {
  readonly label: string;
  readonly phase: string;
  readonly requests: number;
  /** 2xx responses. */
  readonly ok: number;
  /** Failed requests by code (timeout, ECONNREFUSED, http_503 …). */
  readonly errors: Readonly<Record<string, number>>;
  /** Phase wall time: first intended send to last completion. */
  readonly durationMs: number;
  /** 2xx responses per second of wall time. */
  readonly rps: number;
  /** Client latency (from the intended send time) of the requests that got a response; null if none did. */
  readonly latencyMs: Percentiles | null;
  readonly serverLatencyP50Ms: number | null;
  /** Share (0–1) of the 2xx responses each replica served, by replica name. */
  readonly replicaShares: Readonly<Record<string, number>>;
  /** The generator's own CPU over the phase; 100 = one core. */
  readonly cpuPercent: number;
}

/** Percentiles in ms of the given ms values, through an HDR histogram; null for no values. */
export function percentiles(valuesMs: readonly number[]): Percentiles | null {
  if (valuesMs.length === 0) return null;
  const h = hdr.build({ numberOfSignificantValueDigits: 3 });
  try {
    for (const v of valuesMs) h.recordValue(Math.max(0, Math.round(v * 1000)));
    const at = (p: number): number => h.getValueAtPercentile(p) / 1000;
    return { p50: at(50), p90: at(90), p99: at(99), max: h.maxValue / 1000 };
  } finally {
    h.destroy();
  }
}

export function summarize(
  rows: readonly ClientRow[],
  meta: { label: string; phase: string; startMs: number; endMs: number; cpuMicros: number },
): LoadSummary {
  const errors: Record<string, number> = {};
  const replicas: Record<string, number> = {};
  const responded: number[] = [];
  const server: number[] = [];
  let ok = 0;
  for (const r of rows) {
    if (r.status > 0) responded.push(r.latencyMs);
    if (r.error !== '') errors[r.error] = (errors[r.error] ?? 0) + 1;
    else {
      ok++;
      if (r.serverLatencyMs !== null) server.push(r.serverLatencyMs);
      const name = r.replica ?? '(unknown)';
      replicas[name] = (replicas[name] ?? 0) + 1;
    }
  }
  const durationMs = Math.max(0, meta.endMs - meta.startMs);
  const replicaShares = Object.fromEntries(Object.entries(replicas).sort().map(([k, n]) => [k, n / Math.max(1, ok)]));
  return {
    label: meta.label,
    phase: meta.phase,
    requests: rows.length,
    ok,
    errors,
    durationMs,
    rps: durationMs > 0 ? (ok * 1000) / durationMs : 0,
    latencyMs: percentiles(responded),
    serverLatencyP50Ms: percentiles(server)?.p50 ?? null,
    replicaShares,
    cpuPercent: durationMs > 0 ? (meta.cpuMicros / 1000 / durationMs) * 100 : 0,
  };
}

/** The summary as a few human-readable lines. */
export function formatSummary(s: LoadSummary): string {
  const f = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(2));
  const errs = Object.entries(s.errors).map(([k, n]) => `${k}=${n}`).join(' ') || 'none';
  const shares = Object.entries(s.replicaShares).map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(', ') || '-';
  return [
    `${s.label}/${s.phase}: ${s.requests} requests, ${s.ok} ok, errors: ${errs}`,
    `  ${s.rps.toFixed(1)} req/s over ${(s.durationMs / 1000).toFixed(2)} s; client latency ms p50 ${f(s.latencyMs?.p50)} p90 ${f(s.latencyMs?.p90)} p99 ${f(s.latencyMs?.p99)} max ${f(s.latencyMs?.max)}`,
    `  server latency p50 ${f(s.serverLatencyP50Ms)} ms; replicas: ${shares}; load generator CPU ${s.cpuPercent.toFixed(1)}%`,
  ].join('\n');
}
