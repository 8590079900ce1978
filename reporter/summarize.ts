// Per-run, per-phase and per-replica figures, read from the recording's samples and the imported request
// tables: what summary.json (contracts/summary.ts), REPORT.md and the figures show. Only the measured
// window counts (every load phase but the warm-up); failed requests count as errors and are kept out of
// latency figures. CPU % is stored docker-CLI style (100 = one core); it is also given normalised to the
// host (÷ host_cpus) and to the replica's CPU limit when one was set.
import type Database from 'better-sqlite3';
import { mean, percentileSorted, sortedCopy } from '../common/percentile.js';
import { BASELINE_DEPLOYMENT, isMeasuredPhase, WARMUP_PHASE } from '../contracts/deployments.js';
import { eventsOfRun, type ReplicaRole, type ReplicaRow, replicasOfRun } from '../contracts/recording.js';
import type { ComponentFigures, Distribution, MemSource, PartFigures, PhaseSummary, ReplicaSummary, ResourceFigures, RunSummary, Spread, WireFigures } from '../contracts/summary.js';
import type { ResourcePoint } from './plots/series.js';
import { COUNTERS, type Counter, emptyReplica, readRunSamples, type ReplicaSamples, type TimeWindow, type WindowSamples } from './samples.js';
import type { RecordedRun, ReportRun } from './selection.js';
import { describe } from './stats.js';

export type { PhaseSummary, ReplicaSummary, ResourceFigures };
type BlockIoSource = NonNullable<RunSummary['blockIoSource']>;

/** A run's figures as summary.json has them, with the run itself in place of its identifying fields. */
export interface RunFigures extends Omit<RunSummary, 'label' | 'deployment' | 'group' | 'round' | 'runId' | 'windowStartMs' | 'windowEndMs'> {
  readonly run: ReportRun;
}

export interface Summaries {
  readonly runs: RunFigures[];
  readonly replicas: ReplicaSummary[];
  readonly phases: PhaseSummary[];
  /** Per run label: CPU and memory over time per replica, for the charts. */
  readonly series: Map<string, ResourcePoint[]>;
}

const HOST_NET_NOTE = "container network counters left out: a native process's are the host's (every interface but lo), not the service's; its bytes on the wire are the load generator's socket counts";
const RSS_NOTE = "memory is the process's RSS (no cgroup of its own could be made, so read from /proc): it counts the mapped model and libraries, "
  + "not comparable with the containers' used memory (cgroup usage − inactive file); MEM % likewise";
const NO_RESOURCES: ResourceFigures = { samples: 0, missedSamples: 0, cpu: {}, memBytes: {}, memPercent: {} };

/** A counter's growth ÷ requests; none without requests (a phase's replica rows, a run that served none). */
const perRequest = (v: number | undefined, requests: number): number | undefined => (v === undefined || requests === 0 ? undefined : v / requests);

const spread = (values: ArrayLike<number>): Spread => {
  const s = sortedCopy(values);
  return { mean: mean(s), p95: percentileSorted(s, 95), max: s.length ? s[s.length - 1] : undefined };
};

const sumDefined = (vals: Array<number | undefined>): number | undefined =>
  vals.some((v) => v !== undefined) ? vals.reduce<number>((acc, v) => acc + (v ?? 0), 0) : undefined;

/**
 * One replica over a window. A process in the host's network namespace has no network counters of its
 * own: /proc/<pid>/net/dev is the whole host's (all interfaces but lo, so not even the benchmark's
 * loopback traffic), so its network is left out.
 */
function replicaFigures(read: ReplicaSamples, rep: ReplicaRow, rec: RecordedRun, requests: number): ResourceFigures {
  const cpuMean = mean(read.cpu.values());
  const cpuLimit = rep.cpu_limit ?? rec.cpuLimit;
  const growth = Object.fromEntries(COUNTERS.map((c) => [c, read.growth[c].value])) as Record<Counter, number | undefined>;
  const cpuTimeMs = growth.cpu_total_ns === undefined ? undefined : growth.cpu_total_ns / 1e6;
  const ownNetwork = rep.kind !== 'process';
  return {
    samples: read.samples,
    missedSamples: read.missed,
    cpu: spread(read.cpu.values()),
    cpuHostPct: cpuMean === undefined ? undefined : cpuMean / rec.hostCpus,
    cpuLimitPct: cpuMean === undefined || !cpuLimit ? undefined : cpuMean / cpuLimit,
    cpuTimeMs,
    cpuMsPerRequest: perRequest(cpuTimeMs, requests),
    memBytes: spread(read.mem.values()),
    memPercent: spread(read.memPct.values()),
    netRxBytes: ownNetwork ? growth.net_rx_bytes : undefined,
    netTxBytes: ownNetwork ? growth.net_tx_bytes : undefined,
    blockReadBytes: growth.block_read_bytes,
    blockWriteBytes: growth.block_write_bytes,
    blockReadBytesPerRequest: perRequest(growth.block_read_bytes, requests),
    blockWriteBytesPerRequest: perRequest(growth.block_write_bytes, requests),
  };
}

/** A window summed over its replicas: CPU and memory per poll, counters per replica then added up. */
function pooledFigures(win: WindowSamples, replicas: readonly ReplicaRow[], perReplica: readonly ResourceFigures[], rec: RecordedRun,
  okRequests: number): ResourceFigures {
  const limits = replicas.map((r) => r.cpu_limit ?? rec.cpuLimit);
  const totalLimit = limits.every((l) => l) ? limits.reduce<number>((acc, l) => acc + (l ?? 0), 0) : null;
  const cpuMean = mean(win.cpuPerPoll);
  const cpuTimeMs = sumDefined(perReplica.map((f) => f.cpuTimeMs));
  const blockReadBytes = sumDefined(perReplica.map((f) => f.blockReadBytes));
  const blockWriteBytes = sumDefined(perReplica.map((f) => f.blockWriteBytes));
  return {
    samples: win.samples,
    missedSamples: win.missed,
    cpu: spread(win.cpuPerPoll),
    cpuHostPct: cpuMean === undefined ? undefined : cpuMean / rec.hostCpus,
    cpuLimitPct: cpuMean === undefined || !totalLimit ? undefined : cpuMean / totalLimit,
    cpuTimeMs,
    cpuMsPerRequest: perRequest(cpuTimeMs, okRequests),
    memBytes: spread(win.memPerPoll),
    memPercent: spread(win.memPctPerPoll),
    netRxBytes: sumDefined(perReplica.map((f) => f.netRxBytes)),
    netTxBytes: sumDefined(perReplica.map((f) => f.netTxBytes)),
    blockReadBytes,
    blockWriteBytes,
    blockReadBytesPerRequest: perRequest(blockReadBytes, okRequests),
    blockWriteBytesPerRequest: perRequest(blockWriteBytes, okRequests),
  };
}

/** Bytes the load generator's sockets counted over some client rows; undefined for a CSV without the byte columns. */
interface ClientBytes {
  readonly sent: number | undefined;
  readonly received: number | undefined;
}

/** The client's bytes beside the interface counters, in total and per successful request. */
function wireFigures(client: ClientBytes, resources: ResourceFigures, ok: number): WireFigures {
  return {
    clientBytesSent: client.sent,
    clientBytesReceived: client.received,
    clientBytesSentPerRequest: perRequest(client.sent, ok),
    clientBytesReceivedPerRequest: perRequest(client.received, ok),
    netRxBytesPerRequest: perRequest(resources.netRxBytes, ok),
    netTxBytesPerRequest: perRequest(resources.netTxBytes, ok),
  };
}

/** SUM over rows that are all NULL (an older client CSV) is NULL: no figure rather than 0. */
const CLIENT_BYTES = 'SELECT SUM(bytes_sent) AS sent, SUM(bytes_received) AS received FROM client_requests';
const clientBytes = (row: { sent: number | null; received: number | null } | undefined): ClientBytes =>
  ({ sent: row?.sent ?? undefined, received: row?.received ?? undefined });

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

/** The run's requests in its measured window: client rows, or service rows for a run without client.csv. */
interface RequestFigures {
  readonly requests: number;
  readonly ok: number;
  readonly client: Distribution;
  readonly server: Distribution;
  readonly unattributed: number;
  /** Measured service rows per replica id: [latency, sample id]. */
  readonly served: Map<number, Array<[number, number | null]>>;
  readonly bytes: ClientBytes;
}

function requestFigures(db: Database.Database, run: ReportRun): RequestFigures {
  const inWindow = 'label = ? AND (phase IS NULL OR phase <> ?)';
  const args = [run.label, WARMUP_PHASE];
  const clientOk = db.prepare(`SELECT latency_ms FROM client_requests WHERE ${inWindow} AND ok = 1`).pluck().all(...args) as number[];
  const clientAll = db.prepare(`SELECT COUNT(*) FROM client_requests WHERE ${inWindow}`).pluck().get(...args) as number;
  const serverRows = db.prepare(`SELECT latency_ms, replica_id, sample_id FROM service_requests WHERE ${inWindow}`).raw().all(...args) as Array<[number, number | null, number | null]>;
  const served = new Map<number, Array<[number, number | null]>>();
  for (const [latency, replicaId, sampleId] of serverRows) {
    if (replicaId === null) continue;
    const rows = served.get(replicaId);
    if (rows) rows.push([latency, sampleId]);
    else served.set(replicaId, [[latency, sampleId]]);
  }
  const hasClient = run.folder?.clientCsv != null;
  return {
    requests: hasClient ? clientAll : serverRows.length,
    ok: hasClient ? clientOk.length : serverRows.length,
    client: describe(clientOk),
    server: describe(serverRows.map((s) => s[0])),
    unattributed: serverRows.filter((s) => s[1] === null).length,
    served,
    bytes: clientBytes(db.prepare(`${CLIENT_BYTES} WHERE ${inWindow}`).get(...args) as { sent: number | null; received: number | null }),
  };
}

/** What the recording gives a run: its pooled and per-replica figures, and each measured phase's. */
interface RecordedFigures {
  readonly run: ResourceFigures;
  /** The platform and the load generator over the run's window, and over each measured phase. */
  readonly parts: Parts;
  readonly phaseParts: Map<string, Parts>;
  readonly replicas: ReplicaSummary[];
  readonly phases: Map<string, ResourceFigures>;
  readonly series: ResourcePoint[];
  readonly replicaCount: number;
  readonly hostNetwork: boolean;
  readonly memSource: MemSource;
  readonly blockIoSource: BlockIoSource;
}

function recordedFigures(db: Database.Database, run: ReportRun, rec: RecordedRun, req: RequestFigures, sampled: PartsSampled): RecordedFigures {
  const replicas = replicasOfRun(db, rec.id, 'service');
  const phases = run.phases.filter((p) => isMeasuredPhase(p.name));
  const runWindow = { startMs: run.windowStartMs ?? rec.startedAtMs, endMs: run.windowEndMs ?? rec.endedAtMs ?? Number.MAX_SAFE_INTEGER };
  const windows = [runWindow, ...phases];
  const read = readRunSamples(db, rec, windows, replicas.map((r) => r.id));
  const windowS = run.windowStartMs !== null && run.windowEndMs !== null ? (run.windowEndMs - run.windowStartMs) / 1000 : undefined;
  const [whole, ...perPhase] = read.windows as [WindowSamples, ...WindowSamples[]];
  const replicaRows: ReplicaSummary[] = [];
  const perReplica = replicas.map((rep) => {
    const served = req.served.get(rep.id) ?? [];
    const figures = replicaFigures(whole.replicas.get(rep.id) ?? emptyReplica(), rep, rec, served.length);
    replicaRows.push({
      ...figures,
      label: run.label,
      replicaId: rep.id,
      name: rep.name,
      hostname: rep.hostname,
      requests: served.length,
      joined: served.filter((s) => s[1] !== null).length,
      reqPerSec: windowS ? served.length / windowS : undefined,
      client: describe(db.prepare('SELECT latency_ms FROM client_requests WHERE label = ? AND phase <> ? AND ok = 1 AND replica_id = ?')
        .pluck().all(run.label, WARMUP_PHASE, rep.id) as number[]),
      server: describe(served.map((s) => s[0])),
    });
    return figures;
  });
  const okInPhase = db.prepare('SELECT COUNT(*) FROM client_requests WHERE label = ? AND phase = ? AND ok = 1').pluck();
  const phaseFigures = new Map(phases.map((p, i) => {
    const win = perPhase[i]!;
    const reps = replicas.map((rep) => replicaFigures(win.replicas.get(rep.id) ?? emptyReplica(), rep, rec, 0));
    return [p.name, pooledFigures(win, replicas, reps, rec, okInPhase.get(run.label, p.name) as number)] as const;
  }));
  const names = new Map(replicas.map((r) => [r.id, r.hostname ?? r.name]));
  const okPerWindow = [req.ok, ...phases.map((p) => okInPhase.get(run.label, p.name) as number)];
  const platform = sampled.platform(run) ? partFigures(db, rec, 'platform', windows, okPerWindow) : undefined;
  const loadGenerator = sampled.client ? partFigures(db, rec, 'client', windows, okPerWindow) : undefined;
  return {
    run: pooledFigures(whole, replicas, perReplica, rec, req.ok),
    parts: { platform: platform?.[0], loadGenerator: loadGenerator?.[0] },
    phaseParts: new Map(phases.map((p, i) => [p.name, { platform: platform?.[i + 1], loadGenerator: loadGenerator?.[i + 1] }])),
    replicas: replicaRows,
    phases: phaseFigures,
    series: read.series.map(({ replicaId, ...p }) => ({ replica: names.get(replicaId) ?? String(replicaId), ...p })),
    replicaCount: replicas.length,
    hostNetwork: replicas.some((r) => r.kind === 'process'),
    memSource: memSourceOf(rec, replicas),
    blockIoSource: rec.statsSource === 'proc' || eventsOfRun(db, rec.id, 'block-io-source').length > 0 ? 'proc' : 'cgroup',
  };
}

/** A process read from /proc has RSS for memory; every other replica (a container, a process in its own cgroup) cgroup usage − inactive file. */
export function memSourceOf(rec: Pick<RecordedRun, 'statsSource'>, replicas: ReadonlyArray<Pick<ReplicaRow, 'kind'>>): MemSource {
  return rec.statsSource === 'proc' && replicas.some((r) => r.kind === 'process') ? 'rss' : 'cgroup';
}

interface Parts {
  readonly platform: PartFigures | undefined;
  readonly loadGenerator: PartFigures | undefined;
}

/** Which runs had their platform and client sampled (schema v2 roles; a version-1 recording has neither). */
interface PartsSampled {
  platform(run: ReportRun): boolean;
  readonly client: boolean;
}

/**
 * The platform was sampled where a run has platform rows; once any run has, a native run without them has
 * none to sample (nothing carries a native process): its platform is 0, not unknown. The load generator
 * was sampled where any run has client rows.
 */
function partsSampled(db: Database.Database, runs: readonly ReportRun[]): PartsSampled {
  const ids = runs.map((r) => r.recorded?.id).filter((id): id is number => id !== undefined);
  const withRole = (role: ReplicaRole): Set<number> => new Set(ids.filter((id) => replicasOfRun(db, id, role).length > 0));
  const platform = withRole('platform');
  const client = withRole('client');
  return {
    platform: (run) => platform.has(run.recorded?.id ?? -1) || (platform.size > 0 && run.deployment === BASELINE_DEPLOYMENT),
    client: client.size > 0,
  };
}

/**
 * One role's rows over each window: CPU time summed over its rows (each counter's growth), memory summed
 * per poll, and the same per component. Per request = ÷ that window's successful requests.
 */
function partFigures(db: Database.Database, rec: RecordedRun, role: Exclude<ReplicaRole, 'service'>, windows: readonly TimeWindow[],
  okPerWindow: readonly number[]): PartFigures[] {
  const rows = replicasOfRun(db, rec.id, role);
  const read = readRunSamples(db, rec, windows, rows.map((r) => r.id));
  return read.windows.map((win, i) => {
    const ok = okPerWindow[i] ?? 0;
    const perRow = rows.map((r) => ({ row: r, read: win.replicas.get(r.id) ?? emptyReplica() }));
    const cpuMs = (rs: typeof perRow): number | undefined => {
      const grown = rs.map((x) => x.read.growth.cpu_total_ns.value).filter((v): v is number => v !== undefined);
      return rs.length === 0 ? 0 : grown.length === 0 ? undefined : grown.reduce((a, b) => a + b, 0) / 1e6;
    };
    const byComponent: Record<string, ComponentFigures> = {};
    for (const component of [...new Set(rows.map((r) => r.component ?? role))]) {
      const mine = perRow.filter((x) => (x.row.component ?? role) === component);
      const means = mine.map((x) => mean(x.read.mem.values())).filter((v): v is number => v !== undefined);
      const ms = cpuMs(mine);
      byComponent[component] = { rows: mine.length, cpuTimeMs: ms, cpuMsPerRequest: perRequest(ms, ok), memMeanBytes: means.length ? means.reduce((a, b) => a + b, 0) : undefined };
    }
    const ms = cpuMs(perRow);
    return {
      rows: rows.length,
      samples: win.samples,
      missedSamples: win.missed,
      cpuTimeMs: ms,
      cpuMsPerRequest: perRequest(ms, ok),
      memBytes: rows.length === 0 ? { mean: 0, p95: 0, max: 0 } : spread(win.memPerPoll),
      byComponent,
    };
  });
}

/** The figures of a run or phase that add the platform to the service: what the deployment costs. */
function deploymentFigures(service: ResourceFigures, parts: Parts | undefined): Pick<RunSummary, 'platform' | 'loadGenerator' | 'deploymentCpuMsPerRequest' | 'deploymentMemMeanBytes'> {
  const p = parts?.platform;
  const add = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a + b);
  return {
    platform: p,
    deploymentCpuMsPerRequest: add(service.cpuMsPerRequest, p?.cpuMsPerRequest),
    deploymentMemMeanBytes: add(service.memBytes.mean, p?.memBytes.mean),
    loadGenerator: parts?.loadGenerator,
  };
}

const UNATTRIBUTED = '(unattributed)';

/** Each measured phase: throughput is what closed-loop phases measure, latency what open ones do. */
function phaseSummaries(db: Database.Database, run: ReportRun, resources: Map<string, ResourceFigures> | undefined, parts: Map<string, Parts> | undefined): PhaseSummary[] {
  const ok = db.prepare('SELECT latency_ms FROM client_requests WHERE label = ? AND phase = ? AND ok = 1').pluck();
  const all = db.prepare('SELECT COUNT(*) FROM client_requests WHERE label = ? AND phase = ?').pluck();
  const bytes = db.prepare(`${CLIENT_BYTES} WHERE label = ? AND phase = ?`);
  const server = db.prepare('SELECT latency_ms FROM service_requests WHERE label = ? AND phase = ?').pluck();
  const byReplica = db.prepare(`SELECT COALESCE(r.hostname, r.name, ?) AS replica, COUNT(*) AS n FROM client_requests c
    LEFT JOIN replicas r ON r.id = c.replica_id WHERE c.label = ? AND c.phase = ? AND c.ok = 1 GROUP BY 1 ORDER BY 1`);
  return run.phases
    .filter((p) => isMeasuredPhase(p.name))
    .map((p) => {
      const latencies = ok.all(run.label, p.name) as number[];
      const requests = all.get(run.label, p.name) as number;
      const seconds = (p.endMs - p.startMs) / 1000;
      const shares = byReplica.all(UNATTRIBUTED, run.label, p.name) as Array<{ replica: string; n: number }>;
      const service = resources?.get(p.name) ?? NO_RESOURCES;
      return {
        ...service,
        ...deploymentFigures(service, parts?.get(p.name)),
        ...wireFigures(clientBytes(bytes.get(run.label, p.name) as { sent: number | null; received: number | null }), service, latencies.length),
        label: run.label,
        deployment: run.deployment,
        group: run.group,
        round: run.round,
        phase: p.name,
        startMs: p.startMs,
        endMs: p.endMs,
        concurrency: p.concurrency,
        rateRps: p.rateRps,
        requests,
        ok: latencies.length,
        errors: requests - latencies.length,
        reqPerSec: seconds > 0 && requests > 0 ? latencies.length / seconds : undefined,
        client: describe(latencies),
        server: describe(server.all(run.label, p.name) as number[]),
        replicaShares: Object.fromEntries(shares.map((s) => [s.replica, s.n / latencies.length])),
      };
    });
}

/** The experiment's "failed"/"interrupted" says more than the collector's "complete" for the same run. */
function runStatus(run: ReportRun): string {
  const verdict = run.manifest?.status;
  if (verdict === 'failed' || verdict === 'interrupted') return verdict;
  return run.recorded?.status ?? (verdict ? `${verdict}, not recorded` : 'not recorded');
}

export function summarizeRuns(db: Database.Database, runs: readonly ReportRun[]): Summaries {
  const out: Summaries = { runs: [], replicas: [], phases: [], series: new Map() };
  const sampled = partsSampled(db, runs);
  for (const run of runs) {
    const req = requestFigures(db, run);
    const rec = run.recorded ? recordedFigures(db, run, run.recorded, req, sampled) : undefined;
    const missing = missingParts(run);
    if (rec && rec.run.samples === 0) missing.push('no samples');
    if (rec) {
      out.series.set(run.label, rec.series);
      out.replicas.push(...rec.replicas);
    }
    out.phases.push(...phaseSummaries(db, run, rec?.phases, rec?.phaseParts));
    const windowS = run.windowStartMs !== null && run.windowEndMs !== null ? (run.windowEndMs - run.windowStartMs) / 1000 : undefined;
    const service = rec?.run ?? NO_RESOURCES;
    out.runs.push({
      ...service,
      ...deploymentFigures(service, rec?.parts),
      ...wireFigures(req.bytes, service, req.ok),
      run,
      status: runStatus(run),
      missing,
      notes: [...(rec?.hostNetwork ? [HOST_NET_NOTE] : []), ...(rec?.memSource === 'rss' ? [RSS_NOTE] : [])],
      ...(rec ? { memSource: rec.memSource, blockIoSource: rec.blockIoSource } : {}),
      replicas: rec?.replicaCount ?? 0,
      requests: req.requests,
      ok: req.ok,
      errors: req.requests - req.ok,
      client: req.client,
      server: req.server,
      reqPerSec: windowS ? req.ok / windowS : undefined,
      unattributed: req.unattributed,
    });
  }
  return out;
}
