// Figures of one load phase: the line the experiment logs after each phase, the load CLI's printout and
// the summary a phase's child process returns. Latencies are kept as plain numbers in a growing
// Float64Array (8 bytes a request, no work on the hot path beyond a store) and the percentiles are the
// project's exact nearest-rank ones (common/percentile), the same rule as the reporter's summary.json.
import { Float64List } from '../common/float64-list.js';
import { percentileSorted } from '../common/percentile.js';
import type { ClientRequest } from '../contracts/client-csv.js';

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
  /** Bytes on the generator's sockets over the phase, every request's (failed ones too): HTTP heads and bodies. */
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

function readPercentiles(log: Float64List): Percentiles | null {
  if (log.length === 0) return null;
  const sorted = log.values().sort();
  const at = (p: number): number => percentileSorted(sorted, p)!;
  return { p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1]! };
}

/**
 * Builds a phase's summary request by request, so a long run need not keep its rows in memory: only the
 * latencies are kept, as numbers.
 */
export class LoadSummaryBuilder {
  private readonly latency = new Float64List(1024);
  private readonly server = new Float64List(1024);
  private readonly errors: Record<string, number> = {};
  private readonly replicas: Record<string, number> = {};
  private requests = 0;
  private ok = 0;
  private bytesSent = 0;
  private bytesReceived = 0;

  add(r: ClientRequest): void {
    this.requests++;
    this.bytesSent += r.bytesSent;
    this.bytesReceived += r.bytesReceived;
    // Latency of every request that got an answer (an error status is an answer too).
    if (r.status > 0) this.latency.push(r.latencyMs);
    if (r.error !== '') {
      this.errors[r.error] = (this.errors[r.error] ?? 0) + 1;
      return;
    }
    this.ok++;
    if (r.serverLatencyMs !== null) this.server.push(r.serverLatencyMs);
    const name = r.replica ?? '(unknown)';
    this.replicas[name] = (this.replicas[name] ?? 0) + 1;
  }

  finish(meta: { label: string; phase: string; startMs: number; endMs: number; cpuMicros: number }): LoadSummary {
    const durationMs = Math.max(0, meta.endMs - meta.startMs);
    const replicaShares = Object.fromEntries(
      Object.entries(this.replicas).sort().map(([k, n]) => [k, n / Math.max(1, this.ok)]),
    );
    const summary: LoadSummary = {
      label: meta.label,
      phase: meta.phase,
      requests: this.requests,
      ok: this.ok,
      errors: { ...this.errors },
      durationMs,
      rps: durationMs > 0 ? (this.ok * 1000) / durationMs : 0,
      latencyMs: readPercentiles(this.latency),
      serverLatencyP50Ms: readPercentiles(this.server)?.p50 ?? null,
      replicaShares,
      cpuPercent: durationMs > 0 ? (meta.cpuMicros / 1000 / durationMs) * 100 : 0,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
    };
    return summary;
  }
}

/** A phase's summary as a few human-readable lines. */
export function formatLoadSummary(s: LoadSummary): string {
  const f = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(2));
  const errs = Object.entries(s.errors).map(([k, n]) => `${k}=${n}`).join(' ') || 'none';
  const shares = Object.entries(s.replicaShares).map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(', ') || '-';
  // Per successful request, as the reporter divides every network figure.
  const perOk = (bytes: number): string => (s.ok > 0 ? (bytes / s.ok).toFixed(0) : '-');
  return [
    `${s.label}/${s.phase}: ${s.requests} requests, ${s.ok} ok, errors: ${errs}`,
    `  ${s.rps.toFixed(1)} req/s over ${(s.durationMs / 1000).toFixed(2)} s; client latency ms p50 ${f(s.latencyMs?.p50)} p90 ${f(s.latencyMs?.p90)} p99 ${f(s.latencyMs?.p99)} max ${f(s.latencyMs?.max)}`,
    `  server latency p50 ${f(s.serverLatencyP50Ms)} ms; replicas: ${shares}; load generator CPU ${s.cpuPercent.toFixed(1)}%`,
    `  on the wire (HTTP, per successful request): ${perOk(s.bytesSent)} B sent, ${perOk(s.bytesReceived)} B received`,
  ].join('\n');
}
