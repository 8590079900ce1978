// Per-run and per-replica figures, read from the recording and the imported request tables. Only the
// measured window counts (load phases except warmup); failed requests count as errors and are kept out
// of latency figures. CPU % is stored docker-CLI style (100 = one core); it is also given normalised to
// the host (÷ host_cpus) and to the replica's CPU limit when one was set.
import type Database from 'better-sqlite3';
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
  readonly server: Distribution;
}

export interface RunSummary extends ResourceFigures {
  readonly run: ReportRun;
  readonly status: string; // complete | interrupted | recording | not recorded
  readonly missing: string[];
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

interface SampleRow {
  replica_id: number;
  ts_ms: number;
  error: string | null;
  cpu_percent: number | null;
  cpu_total_ns: number | null;
  mem_used_bytes: number | null;
  net_rx_bytes: number | null;
  net_tx_bytes: number | null;
  block_read_bytes: number | null;
  block_write_bytes: number | null;
}

const notNull = (v: number | null): v is number => v !== null;
const sumDefined = (vals: Array<number | undefined>): number | undefined =>
  vals.some((v) => v !== undefined) ? vals.reduce<number>((a, v) => a + (v ?? 0), 0) : undefined;

function resourceFigures(rows: SampleRow[], hostCpus: number, cpuLimit: number | null, requests: number): ResourceFigures {
  const ok = rows.filter((r) => r.error === null);
  const cpu = ok.map((r) => r.cpu_percent).filter(notNull);
  const cpuMean = mean(cpu);
  const cpuNs = counterGrowth(ok.map((r) => r.cpu_total_ns));
  return {
    samples: rows.length,
    missedSamples: rows.length - ok.length,
    cpu: spread(cpu),
    cpuHostPct: cpuMean === undefined ? undefined : cpuMean / hostCpus,
    cpuLimitPct: cpuMean === undefined || !cpuLimit ? undefined : cpuMean / cpuLimit,
    cpuMsPerRequest: cpuNs === undefined || requests === 0 ? undefined : cpuNs / 1e6 / requests,
    memBytes: spread(ok.map((r) => r.mem_used_bytes).filter(notNull)),
    netRxBytes: counterGrowth(ok.map((r) => r.net_rx_bytes)),
    netTxBytes: counterGrowth(ok.map((r) => r.net_tx_bytes)),
    blockReadBytes: counterGrowth(ok.map((r) => r.block_read_bytes)),
    blockWriteBytes: counterGrowth(ok.map((r) => r.block_write_bytes)),
  };
}

/** Sums the replicas' readings per poll (samples rounded to the nearest interval from the window start). */
export function sumPerPoll(rows: readonly SampleRow[], startMs: number, intervalMs: number, pick: (r: SampleRow) => number | null): number[] {
  const buckets = new Map<number, number>();
  for (const r of rows) {
    const v = r.error === null ? pick(r) : null;
    if (v === null) continue;
    const b = Math.round((r.ts_ms - startMs) / intervalMs);
    buckets.set(b, (buckets.get(b) ?? 0) + v);
  }
  return [...buckets.values()];
}

export interface Summaries {
  readonly runs: RunSummary[];
  readonly replicas: ReplicaSummary[];
}

export function summarize(db: Database.Database, runs: readonly ReportRun[]): Summaries {
  const out: Summaries = { runs: [], replicas: [] };
  const inWindow = `label = ? AND (phase IS NULL OR phase <> 'warmup')`;
  for (const run of runs) {
    const rec = run.recorded;
    const clientOk = db.prepare(`SELECT latency_ms FROM client_requests WHERE ${inWindow} AND ok = 1`).pluck().all(run.label) as number[];
    const clientAll = db.prepare(`SELECT COUNT(*) FROM client_requests WHERE ${inWindow}`).pluck().get(run.label) as number;
    const serverRows = db.prepare(`SELECT latency_ms, replica_id, sample_id FROM service_requests WHERE ${inWindow}`).raw().all(run.label) as Array<[number, number | null, number | null]>;
    const unattributed = db.prepare(`SELECT COUNT(*) FROM service_requests WHERE ${inWindow} AND replica_id IS NULL`).pluck().get(run.label) as number;
    const hasClient = run.folder?.clientCsv != null;
    const requests = hasClient ? clientAll : serverRows.length;
    const okRequests = hasClient ? clientOk.length : serverRows.length;
    const windowS = run.windowStartMs !== null && run.windowEndMs !== null ? (run.windowEndMs - run.windowStartMs) / 1000 : undefined;
    const missing: string[] = [];
    if (!rec) missing.push('no recording');
    if (rec?.status === 'interrupted') missing.push('interrupted');
    if (!run.folder) missing.push('no run folder');
    else {
      if (!run.folder.manifest) missing.push('no run.json');
      if (!hasClient) missing.push('no client CSV');
      if (run.folder.serviceCsvs.length === 0) missing.push('no service CSV');
    }
    let resources: ResourceFigures = { samples: 0, missedSamples: 0, cpu: {}, memBytes: {} };
    let replicaCount = 0;
    if (rec) {
      const start = run.windowStartMs ?? rec.startedAtMs;
      const end = run.windowEndMs ?? rec.endedAtMs ?? Number.MAX_SAFE_INTEGER;
      const replicas = db.prepare('SELECT id, name, hostname, cpu_limit FROM replicas WHERE run_id = ? ORDER BY id').all(rec.id) as Array<{
        id: number; name: string; hostname: string | null; cpu_limit: number | null;
      }>;
      replicaCount = replicas.length;
      const rows = db
        .prepare(
          `SELECT replica_id, ts_ms, error, cpu_percent, cpu_total_ns, mem_used_bytes, net_rx_bytes, net_tx_bytes, block_read_bytes,
                  block_write_bytes FROM samples WHERE run_id = ? AND ts_ms BETWEEN ? AND ? ORDER BY replica_id, ts_ms`,
        )
        .all(rec.id, start, end) as SampleRow[];
      if (rows.length === 0) missing.push('no samples');
      const perReplica: ResourceFigures[] = [];
      for (const rep of replicas) {
        const mine = rows.filter((r) => r.replica_id === rep.id);
        const served = serverRows.filter((s) => s[1] === rep.id);
        const limit = rep.cpu_limit ?? rec.cpuLimit;
        const figures = resourceFigures(mine, rec.hostCpus, limit, served.length);
        perReplica.push(figures);
        out.replicas.push({
          ...figures,
          label: run.label,
          replicaId: rep.id,
          name: rep.name,
          hostname: rep.hostname,
          requests: served.length,
          joined: served.filter((s) => s[2] !== null).length,
          server: describe(served.map((s) => s[0])),
        });
      }
      const cpuSum = sumPerPoll(rows, start, rec.intervalMs, (r) => r.cpu_percent);
      const limits = replicas.map((r) => r.cpu_limit ?? rec.cpuLimit);
      const totalLimit = limits.every((l) => l) ? limits.reduce<number>((a, l) => a + (l ?? 0), 0) : null;
      const cpuMean = mean(cpuSum);
      const cpuNs = sumDefined(replicas.map((rep) => counterGrowth(rows.filter((r) => r.replica_id === rep.id && r.error === null).map((r) => r.cpu_total_ns))));
      resources = {
        samples: rows.length,
        missedSamples: rows.filter((r) => r.error !== null).length,
        cpu: spread(cpuSum),
        cpuHostPct: cpuMean === undefined ? undefined : cpuMean / rec.hostCpus,
        cpuLimitPct: cpuMean === undefined || !totalLimit ? undefined : cpuMean / totalLimit,
        cpuMsPerRequest: cpuNs === undefined || okRequests === 0 ? undefined : cpuNs / 1e6 / okRequests,
        memBytes: spread(sumPerPoll(rows, start, rec.intervalMs, (r) => r.mem_used_bytes)),
        netRxBytes: sumDefined(perReplica.map((f) => f.netRxBytes)),
        netTxBytes: sumDefined(perReplica.map((f) => f.netTxBytes)),
        blockReadBytes: sumDefined(perReplica.map((f) => f.blockReadBytes)),
        blockWriteBytes: sumDefined(perReplica.map((f) => f.blockWriteBytes)),
      };
    }
    out.runs.push({
      ...resources,
      run,
      status: rec?.status ?? 'not recorded',
      missing,
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
