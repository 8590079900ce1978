// Per-run and per-replica figures, read from the recording and the imported request tables. Only the
// measured window counts (load phases except warmup); failed requests count as errors and are kept out
// of latency figures. CPU % is stored docker-CLI style (100 = one core); it is also given normalised to
// the host (÷ host_cpus) and to the replica's CPU limit when one was set.
import type Database from 'better-sqlite3';
import type { ResourcePoint } from './plots/series.js';
import { COUNTERS, type Counter, emptyReplica, readRunSamples, type ReplicaSamples } from './samples.js';
import type { ReportRun } from './selection.js';
import { counterGrowth, describe, type Distribution, mean, percentileSorted, sortedCopy } from './stats.js';

export interface Spread {
  readonly mean?: number | undefined;
  readonly p95?: number | undefined;
  readonly max?: number | undefined;
}

export interface ResourceFigures {
  readonly samples: number;
  readonly missedSamples: number;
  /** docker-CLI %: 100 = one core. For a run: summed over replicas at each poll. */
  readonly cpu: Spread;
  readonly cpuHostPct?: number | undefined; // mean ÷ host_cpus
  readonly cpuLimitPct?: number | undefined; // mean ÷ limit (cores); undefined when unlimited
  readonly cpuTimeMs?: number | undefined; // CPU time used in the window (cumulative counter growth)
  readonly cpuMsPerRequest?: number | undefined;
  readonly memBytes: Spread;
  readonly netRxBytes?: number | undefined;
  readonly netTxBytes?: number | undefined;
  readonly blockReadBytes?: number | undefined;
  readonly blockWriteBytes?: number | undefined;
}

export interface ReplicaSummary extends ResourceFigures {
  readonly label: string;
  readonly replicaId: number;
  readonly name: string;
  readonly hostname: string | null;
  readonly requests: number; // service rows attributed to it in the window
  readonly joined: number; // of those, with a sample within one interval
  readonly reqPerSec?: number | undefined;
  readonly server: Distribution;
  /** Successful client requests this replica served (attributed as in importer.ts). */
  readonly client: Distribution;
}

export interface RunSummary extends ResourceFigures {
  readonly run: ReportRun;
  readonly status: string; // complete | interrupted | recording | not recorded
  readonly missing: string[];
  /** Caveats on figures that exist but do not mean what they seem (e.g. host-wide network counters). */
  readonly notes: string[];
  readonly replicas: number;
  readonly requests: number; // client rows in the window (service rows when there is no client CSV)
  readonly errors: number;
  readonly client: Distribution;
  readonly server: Distribution;
  readonly reqPerSec?: number | undefined;
  readonly unattributed: number;
}

const spread = (values: ArrayLike<number>): Spread => {
  const s = sortedCopy(values);
  return { mean: mean(s), p95: percentileSorted(s, 95), max: s.length ? s[s.length - 1] : undefined };
};

function replicaFigures(read: ReplicaSamples, hostCpus: number, cpuLimit: number | null, requests: number): ResourceFigures {
  const cpuMean = mean(read.cpu);
  const growth = Object.fromEntries(COUNTERS.map((c) => [c, counterGrowth(read.counters[c])])) as Record<Counter, number | undefined>;
  return {
    samples: read.samples,
    missedSamples: read.missed,
    cpu: spread(read.cpu),
    cpuHostPct: cpuMean === undefined ? undefined : cpuMean / hostCpus,
    cpuLimitPct: cpuMean === undefined || !cpuLimit ? undefined : cpuMean / cpuLimit,
    cpuTimeMs: growth.cpu_total_ns === undefined ? undefined : growth.cpu_total_ns / 1e6,
    cpuMsPerRequest: growth.cpu_total_ns === undefined || requests === 0 ? undefined : growth.cpu_total_ns / 1e6 / requests,
    memBytes: spread(read.mem),
    netRxBytes: growth.net_rx_bytes,
    netTxBytes: growth.net_tx_bytes,
    blockReadBytes: growth.block_read_bytes,
    blockWriteBytes: growth.block_write_bytes,
  };
}

const sumDefined = (vals: Array<number | undefined>): number | undefined =>
  vals.some((v) => v !== undefined) ? vals.reduce<number>((acc, v) => acc + (v ?? 0), 0) : undefined;

/** One load phase of one run: throughput is what closed-loop phases measure, latency what open ones do. */
export interface PhaseSummary {
  readonly label: string;
  readonly phase: string;
  readonly concurrency: number | null;
  readonly rateRps: number | null;
  readonly requests: number;
  readonly errors: number;
  readonly reqPerSec?: number | undefined;
  readonly client: Distribution;
}

const HOST_NET_NOTE = "network left out: a native process's counters are the host's (every interface but lo), not the service's";

export interface Summaries {
  readonly runs: RunSummary[];
  readonly replicas: ReplicaSummary[];
  readonly phases: PhaseSummary[];
  /** Per run label: CPU and memory over time per replica, for the charts. */
  readonly series: Map<string, ResourcePoint[]>;
}

function phaseSummaries(db: Database.Database, run: ReportRun): PhaseSummary[] {
  const ok = db.prepare('SELECT latency_ms FROM client_requests WHERE label = ? AND phase = ? AND ok = 1').pluck();
  const all = db.prepare('SELECT COUNT(*) FROM client_requests WHERE label = ? AND phase = ?').pluck();
  return run.phases
    .filter((p) => p.name !== 'warmup')
    .map((p) => {
      const latencies = ok.all(run.label, p.name) as number[];
      const requests = all.get(run.label, p.name) as number;
      const seconds = (p.endMs - p.startMs) / 1000;
      return {
        label: run.label,
        phase: p.name,
        concurrency: p.concurrency,
        rateRps: p.rateRps,
        requests,
        errors: requests - latencies.length,
        reqPerSec: seconds > 0 && requests > 0 ? latencies.length / seconds : undefined,
        client: describe(latencies),
      };
    });
}

/** What a run lacks, in words for the report ("no samples" is added once the samples are read). */
export function missingParts(run: ReportRun): string[] {
  const missing: string[] = [];
  const rec = run.recorded;
  if (!rec) missing.push('no recording');
  if (rec?.status === 'interrupted') missing.push('recording interrupted');
  const verdict = run.manifest?.status;
  if (verdict && verdict !== 'complete') missing.push(`run ${verdict}${run.manifest?.error ? ` (${run.manifest.error})` : ''}`);
  if (!run.folder) missing.push('no run folder');
  else {
    if (!run.folder.manifest) missing.push('no run.json');
    if (!run.folder.clientCsv) missing.push('no client CSV');
    if (run.folder.serviceCsvs.length === 0) missing.push('no service CSV');
  }
  return missing;
}

export function summarize(db: Database.Database, runs: readonly ReportRun[]): Summaries {
  const out: Summaries = { runs: [], replicas: [], phases: [], series: new Map() };
  const inWindow = `label = ? AND (phase IS NULL OR phase <> 'warmup')`;
  for (const run of runs) {
    const rec = run.recorded;
    const clientOk = db.prepare(`SELECT latency_ms FROM client_requests WHERE ${inWindow} AND ok = 1`).pluck().all(run.label) as number[];
    const clientAll = db.prepare(`SELECT COUNT(*) FROM client_requests WHERE ${inWindow}`).pluck().get(run.label) as number;
    const clientByReplica = db.prepare(`SELECT latency_ms FROM client_requests WHERE ${inWindow} AND ok = 1 AND replica_id = ?`).pluck();
    const serverRows = db.prepare(`SELECT latency_ms, replica_id, sample_id FROM service_requests WHERE ${inWindow}`).raw().all(run.label) as Array<[number, number | null, number | null]>;
    const unattributed = db.prepare(`SELECT COUNT(*) FROM service_requests WHERE ${inWindow} AND replica_id IS NULL`).pluck().get(run.label) as number;
    const hasClient = run.folder?.clientCsv != null;
    const requests = hasClient ? clientAll : serverRows.length;
    const okRequests = hasClient ? clientOk.length : serverRows.length;
    const windowS = run.windowStartMs !== null && run.windowEndMs !== null ? (run.windowEndMs - run.windowStartMs) / 1000 : undefined;
    const missing = missingParts(run);
    const notes: string[] = [];
    const verdict = run.manifest?.status;
    let resources: ResourceFigures = { samples: 0, missedSamples: 0, cpu: {}, memBytes: {} };
    let replicaCount = 0;
    if (rec) {
      const start = run.windowStartMs ?? rec.startedAtMs;
      const end = run.windowEndMs ?? rec.endedAtMs ?? Number.MAX_SAFE_INTEGER;
      const replicas = db.prepare('SELECT id, kind, name, hostname, cpu_limit FROM replicas WHERE run_id = ? ORDER BY id').all(rec.id) as Array<{
        id: number; kind: string; name: string; hostname: string | null; cpu_limit: number | null;
      }>;
      replicaCount = replicas.length;
      const read = readRunSamples(db, rec, start, end);
      const names = new Map(replicas.map((r) => [r.id, r.hostname ?? r.name]));
      out.series.set(run.label, read.series.map(({ replicaId, ...p }) => ({ replica: names.get(replicaId) ?? String(replicaId), ...p })));
      if (read.samples === 0) missing.push('no samples');
      const perReplica: ResourceFigures[] = [];
      for (const rep of replicas) {
        const served = serverRows.filter((s) => s[1] === rep.id);
        let figures = replicaFigures(read.replicas.get(rep.id) ?? emptyReplica(), rec.hostCpus, rep.cpu_limit ?? rec.cpuLimit, served.length);
        if (rep.kind === 'process') {
          // A process in the host's network namespace has no network counters of its own: /proc/<pid>/net/dev
          // is the whole host's (all interfaces but lo, so not even the benchmark's loopback traffic).
          figures = { ...figures, netRxBytes: undefined, netTxBytes: undefined };
          if (!notes.includes(HOST_NET_NOTE)) notes.push(HOST_NET_NOTE);
        }
        perReplica.push(figures);
        out.replicas.push({
          ...figures,
          label: run.label,
          replicaId: rep.id,
          name: rep.name,
          hostname: rep.hostname,
          requests: served.length,
          joined: served.filter((s) => s[2] !== null).length,
          reqPerSec: windowS ? served.length / windowS : undefined,
          client: describe(clientByReplica.all(run.label, rep.id) as number[]),
          server: describe(served.map((s) => s[0])),
        });
      }
      const cpuSum = read.cpuPerPoll;
      const limits = replicas.map((r) => r.cpu_limit ?? rec.cpuLimit);
      const totalLimit = limits.every((l) => l) ? limits.reduce<number>((acc, l) => acc + (l ?? 0), 0) : null;
      const cpuMean = mean(cpuSum);
      const cpuTimeMs = sumDefined(perReplica.map((f) => f.cpuTimeMs));
      resources = {
        samples: read.samples,
        missedSamples: read.missed,
        cpu: spread(cpuSum),
        cpuHostPct: cpuMean === undefined ? undefined : cpuMean / rec.hostCpus,
        cpuLimitPct: cpuMean === undefined || !totalLimit ? undefined : cpuMean / totalLimit,
        cpuTimeMs,
        cpuMsPerRequest: cpuTimeMs === undefined || okRequests === 0 ? undefined : cpuTimeMs / okRequests,
        memBytes: spread(read.memPerPoll),
        netRxBytes: sumDefined(perReplica.map((f) => f.netRxBytes)),
        netTxBytes: sumDefined(perReplica.map((f) => f.netTxBytes)),
        blockReadBytes: sumDefined(perReplica.map((f) => f.blockReadBytes)),
        blockWriteBytes: sumDefined(perReplica.map((f) => f.blockWriteBytes)),
      };
    }
    out.phases.push(...phaseSummaries(db, run));
    out.runs.push({
      ...resources,
      run,
      // The experiment's "failed"/"interrupted" says more than the collector's "complete" for the same run.
      status: verdict === 'failed' || verdict === 'interrupted' ? verdict : (rec?.status ?? (verdict ? `${verdict}, not recorded` : 'not recorded')),
      missing,
      notes,
      replicas: replicaCount,
      requests,
      errors: hasClient ? clientAll - clientOk.length : 0,
      client: describe(clientOk),
      server: describe(serverRows.map((s) => s[0])),
      reqPerSec: windowS ? okRequests / windowS : undefined,
      unattributed,
    });
  }
  return out;
}
