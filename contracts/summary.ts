// summary.json: the reporter's figures for scripts. `reporter build` writes it beside REPORT.md; the
// experiment's closing table, its target checks and summary.md are formatted from it, so every headline
// number (p50, p99, req/s, CPU ms per request, network growth …) has one definition: the reporter's.
//
// Conventions: latency in ms, percentiles nearest-rank over the successful requests; CPU % docker-CLI
// style (100 = one core); counters (CPU time, network, block I/O) are growth over the window, a counter
// that went down counted as restarted. A figure that cannot be computed (no samples, no requests, a
// native process's network) is left out of the JSON (`undefined` here), never written as 0.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseJsonWith } from './json-file.js';

const finite = z.number().finite();
const maybe = finite.optional();

/** Nearest-rank percentiles, mean and max of a set of latencies; count is how many there were. */
export const DistributionSchema = z.object({
  count: z.number().int().nonnegative(),
  p50: maybe,
  p90: maybe,
  p95: maybe,
  p99: maybe,
  mean: maybe,
  max: maybe,
});
export type Distribution = z.output<typeof DistributionSchema>;

/** Mean, p95 and max of a series of readings (CPU %, memory bytes). */
export const SpreadSchema = z.object({ mean: maybe, p95: maybe, max: maybe });
export type Spread = z.output<typeof SpreadSchema>;

/** Resource figures over a window, for one replica or (summed over replicas) for a run or phase. */
const resourceShape = {
  samples: z.number().int().nonnegative(),
  /** Samples whose read failed. */
  missedSamples: z.number().int().nonnegative(),
  /** docker-CLI %: 100 = one core; for a run or phase, summed over its replicas at each poll. */
  cpu: SpreadSchema,
  /** Mean CPU ÷ the host's CPUs, in %. */
  cpuHostPct: maybe,
  /** Mean CPU ÷ the CPU limit (cores) when one was set, in %. */
  cpuLimitPct: maybe,
  /** CPU time used in the window (cumulative counter growth), ms. */
  cpuTimeMs: maybe,
  /** cpuTimeMs ÷ the successful requests of the window. */
  cpuMsPerRequest: maybe,
  /** Used memory (docker stats style), bytes; summed over replicas per poll for a run or phase. */
  memBytes: SpreadSchema,
  /**
   * MEM % as `docker stats` shows it: used ÷ limit × 100, the limit being the host's memory when the
   * replica has none (samples.mem_percent); for a run or phase, summed over its replicas at each poll.
   * Absent from summaries written before it existed: read as {}.
   */
  memPercent: SpreadSchema.default({}),
  netRxBytes: maybe,
  netTxBytes: maybe,
  /** Block I/O bytes read and written (the cgroup's blkio / io.stat counters, every replica alike, native in its own cgroup). */
  blockReadBytes: maybe,
  blockWriteBytes: maybe,
  /**
   * blockReadBytes / blockWriteBytes ÷ the successful requests (for a replica: the requests it served), as
   * cpuMsPerRequest. 0 is a measured 0 (reads served from the page cache, nothing written back in the window).
   */
  blockReadBytesPerRequest: maybe,
  blockWriteBytesPerRequest: maybe,
};
export const ResourceFiguresSchema = z.object(resourceShape);

/**
 * Bytes on the wire over a run's or phase's window, for every deployment: what the load generator's
 * sockets counted (HTTP heads and bodies, load/client.ts; absent for a client CSV written before the
 * byte columns), beside the replicas' interface counters where they have their own (not a native process).
 * Per request = ÷ the successful requests, as every per-request figure.
 */
const wireShape = {
  /** Bytes the load generator sent (requests) / received (responses) on its sockets, every request of the window. */
  clientBytesSent: maybe,
  clientBytesReceived: maybe,
  clientBytesSentPerRequest: maybe,
  clientBytesReceivedPerRequest: maybe,
  /** netRxBytes / netTxBytes (interface counters: TCP/IP headers, retransmits and other traffic included) per request. */
  netRxBytesPerRequest: maybe,
  netTxBytesPerRequest: maybe,
};
export const WireFiguresSchema = z.object(wireShape);
export type WireFigures = z.output<typeof WireFiguresSchema>;
export type ResourceFigures = z.output<typeof ResourceFiguresSchema>;

/** One component of the platform (docker-proxy, front, containerd-shim, dockerd, containerd) over a window, summed over its rows. */
export const ComponentFiguresSchema = z.object({
  /** Rows (processes or containers) of that component. */
  rows: z.number().int().nonnegative(),
  cpuTimeMs: maybe,
  cpuMsPerRequest: maybe,
  /** Mean used memory (container) or RSS (host process), summed over its rows. */
  memMeanBytes: maybe,
});
export type ComponentFigures = z.output<typeof ComponentFiguresSchema>;

/**
 * A part of a run other than the service (schema v2 roles): the platform that carries the deployment, or
 * the load generator. Per request = ÷ the window's successful requests, as the service's figures.
 */
export const PartFiguresSchema = z.object({
  /** Rows of that role the recording has for the run (0: nothing carries it, as for native). */
  rows: z.number().int().nonnegative(),
  samples: z.number().int().nonnegative(),
  missedSamples: z.number().int().nonnegative(),
  cpuTimeMs: maybe,
  cpuMsPerRequest: maybe,
  /** Summed over its rows per poll (container used memory, host processes' RSS). */
  memBytes: SpreadSchema,
  byComponent: z.record(z.string(), ComponentFiguresSchema),
});
export type PartFigures = z.output<typeof PartFiguresSchema>;

/**
 * Service + platform: what the deployment costs. The service figures are the run's or phase's own
 * (cpuMsPerRequest, memBytes); present only where the platform was sampled.
 */
const partsShape = {
  /** The platform (role 'platform'); absent when the recording did not sample it (a version-1 recording). */
  platform: PartFiguresSchema.optional(),
  /** Service + platform CPU ms per request. */
  deploymentCpuMsPerRequest: maybe,
  /** Service + platform mean memory, bytes. */
  deploymentMemMeanBytes: maybe,
  /** The load generator (role 'client'): measured apart, never in the deployment's cost. */
  loadGenerator: PartFiguresSchema.optional(),
};

/** One reported run over its measured window (every load phase but the warm-up, pooled). */
/** Which label and round a run is: with several rounds a run's `label` is `<group>@r<round>`. */
const roundShape = {
  /** The label the experiment gave the run (its rounds share it). */
  group: z.string().optional(),
  /** The round it was measured in (1 when the experiment ran one). */
  round: z.number().int().min(1).optional(),
};

export const RunSummarySchema = z.object({
  label: z.string(),
  deployment: z.string(),
  ...roundShape,
  /** The collector's run id in the recording; null when the run was not recorded. */
  runId: z.number().int().nullable(),
  windowStartMs: finite.nullable(),
  windowEndMs: finite.nullable(),
  /** complete | recording | interrupted | failed | not recorded … */
  status: z.string(),
  /** What the run lacks, in words ("no recording", "no client CSV" …). */
  missing: z.array(z.string()),
  /** Caveats on figures that exist but do not mean what they seem. */
  notes: z.array(z.string()),
  /**
   * What its memory figures are: `cgroup` = cgroup usage − inactive file, as `docker stats` (containers,
   * and a native process in a cgroup of its own); `rss` = a native process's RSS from /proc (no cgroup of
   * its own could be made), which counts mapped files such as the model: not comparable with `cgroup`.
   * Absent for a run without a recording.
   */
  memSource: z.enum(['cgroup', 'rss']).optional(),
  /**
   * Where its block I/O comes from: `cgroup` = the group's blkio (v1) or io.stat (v2) files, as `docker
   * stats`; `proc` = /proc/<pid>/io (read_bytes: fetched from storage; write_bytes: dirtied for writeback)
   * summed over the group's processes, where this kernel's v1 blkio files count nothing, or of a native
   * process read from /proc. Absent for a run without a recording.
   */
  blockIoSource: z.enum(['cgroup', 'proc']).optional(),
  /** How many replicas the recording saw. */
  replicas: z.number().int().nonnegative(),
  /** Client requests in the window (service rows when there is no client CSV). */
  requests: z.number().int().nonnegative(),
  /** Successful requests (2xx, no error). */
  ok: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  client: DistributionSchema,
  server: DistributionSchema,
  /** Successful requests per second of the window. */
  reqPerSec: maybe,
  /** Service rows no replica could be named for. */
  unattributed: z.number().int().nonnegative(),
  /** The run's work level: request corpus (`reviews`, `long-reviews` or a file) and model dtype (run.json). */
  corpus: z.string().optional(),
  dtype: z.string().optional(),
  /** Model time per request, ms: the service CSV's inference latency ÷ batch size, mean over the sequential
   * phase (one request at a time), else over the measured phases. */
  modelMsPerRequest: maybe,
  ...resourceShape,
  ...partsShape,
  ...wireShape,
});
export type RunSummary = z.output<typeof RunSummarySchema>;
export type MemSource = NonNullable<RunSummary['memSource']>;

/** One measured load phase of one run: the figures the experiment's closing table shows. */
export const PhaseSummarySchema = z.object({
  label: z.string(),
  deployment: z.string(),
  ...roundShape,
  phase: z.string(),
  startMs: finite,
  endMs: finite,
  /** Clients in flight (closed loop); null for an open-loop phase. */
  concurrency: finite.nullable(),
  /** Offered rate (open loop); null for a closed-loop phase. */
  rateRps: finite.nullable(),
  requests: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** Successful requests per second of the phase. */
  reqPerSec: maybe,
  client: DistributionSchema,
  /** The service's own inference time of the phase's rows. */
  server: DistributionSchema,
  /** Share (0–1) of the successful requests each replica served, by host name (or name);
   * requests no replica could be named for are under "(unattributed)". */
  replicaShares: z.record(z.string(), finite),
  ...resourceShape,
  ...partsShape,
  ...wireShape,
});
export type PhaseSummary = z.output<typeof PhaseSummarySchema>;

/** One replica of a run over the run's measured window. */
export const ReplicaSummarySchema = z.object({
  label: z.string(),
  replicaId: z.number().int(),
  name: z.string(),
  hostname: z.string().nullable(),
  /** Service rows attributed to it in the window. */
  requests: z.number().int().nonnegative(),
  /** Of those, rows with a sample of this replica within one poll interval. */
  joined: z.number().int().nonnegative(),
  reqPerSec: maybe,
  server: DistributionSchema,
  /** Successful client requests it served. */
  client: DistributionSchema,
  ...resourceShape,
});
export type ReplicaSummary = z.output<typeof ReplicaSummarySchema>;

/** A latency percentile of one run against the baseline's, in one phase, with a 95 % bootstrap interval. */
export const OverheadSchema = z.object({
  label: z.string(),
  baseline: z.string(),
  phase: z.string(),
  percentile: z.union([z.literal(50), z.literal(99)]),
  baselineMs: finite,
  valueMs: finite,
  diff: z.object({ estimate: finite, low: finite, high: finite }),
});
export type Overhead = z.output<typeof OverheadSchema>;

// ---- across rounds: the experiment measures every deployment once per round, in a changing order ----

/** The figures compared across deployments, per measured phase. */
export const COMPARED_METRICS = [
  'p50', 'p90', 'p99', 'mean', 'reqPerSec', 'cpuMsPerRequest', 'memMiB', 'memPercent',
  'platformCpuMsPerRequest', 'deploymentCpuMsPerRequest', 'platformMemMiB', 'deploymentMemMiB',
  'clientBytesSentPerRequest', 'clientBytesReceivedPerRequest', 'netRxBytesPerRequest', 'netTxBytesPerRequest',
  'blockReadBytesPerRequest', 'blockWriteBytesPerRequest',
] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

/** "real difference": the interval excludes 0 (and the A/A interval); "not decided": one round only. */
export const VERDICTS = ['real difference', 'noise', 'not decided'] as const;
export type Verdict = (typeof VERDICTS)[number];

const RoundValueSchema = z.object({ round: z.number().int().min(1), value: finite });
export type RoundValue = z.output<typeof RoundValueSchema>;

/** A mean over rounds and its 95 % t-interval; low and high are left out when there was one round. */
export const RoundEstimateSchema = z.object({ estimate: finite, low: maybe, high: maybe });

/** One deployment's figure in one phase, round by round, and its mean with a 95 % interval. */
export const RoundFigureSchema = z.object({
  /** The deployment's label as the experiment gave it (`native`, `native#2`, `docker` …). */
  label: z.string(),
  deployment: z.string(),
  phase: z.string(),
  metric: z.enum(COMPARED_METRICS),
  /** ms, req/s, MiB or %. */
  unit: z.string(),
  perRound: z.array(RoundValueSchema),
  interval: RoundEstimateSchema,
});
export type RoundFigure = z.output<typeof RoundFigureSchema>;

/** A deployment's figure minus the baseline's in the same round, summarised over rounds, with a verdict. */
export const RoundComparisonSchema = z.object({
  label: z.string(),
  baseline: z.string(),
  phase: z.string(),
  metric: z.enum(COMPARED_METRICS),
  unit: z.string(),
  /** This label's value minus the baseline's, per round both measured. */
  perRound: z.array(RoundValueSchema),
  diff: RoundEstimateSchema,
  /** diff.estimate ÷ the baseline's mean over the same rounds. */
  relative: maybe,
  /** The A/A pair's difference (the baseline measured twice) for the same phase and figure; null without one. */
  aa: RoundEstimateSchema.nullable(),
  verdict: z.enum(VERDICTS),
  /** Why the verdict, in words. */
  reason: z.string(),
});
export type RoundComparison = z.output<typeof RoundComparisonSchema>;

export const AcrossRoundsSchema = z.object({
  /** Rounds in the recording (the most any label was measured). */
  rounds: z.number().int().nonnegative(),
  /** How intervals and verdicts are made, in words. */
  method: z.string(),
  baseline: z.string().nullable(),
  /** The baseline's second label (`native#2`) when the recording has an A/A pair. */
  aaLabel: z.string().nullable(),
  figures: z.array(RoundFigureSchema),
  /** Every other label against the baseline; the A/A label's row is the instrument's own noise. */
  comparisons: z.array(RoundComparisonSchema),
});
export type AcrossRounds = z.output<typeof AcrossRoundsSchema>;

/**
 * One deployment's overhead against its work level's baseline, with that level's model time per request:
 * the points of the overhead-vs-model-time figure (written when the report holds two work levels or more).
 */
export const WorkPointSchema = z.object({
  /** `<corpus>-<dtype>`. */
  level: z.string(),
  corpus: z.string(),
  dtype: z.string(),
  /** The level's model time per request, ms: mean over the level's baseline (native) runs. */
  modelMs: finite,
  /** The deployment's label without the level (`docker`, `native#2`). */
  label: z.string(),
  phase: z.string(),
  metric: z.enum(COMPARED_METRICS),
  unit: z.string(),
  /** Overhead in `unit`: mean over rounds and its 95 % t-interval (as acrossRounds.comparisons). */
  diff: RoundEstimateSchema,
  /** The same ÷ the baseline's mean over the same rounds. */
  relative: RoundEstimateSchema.optional(),
  verdict: z.enum(VERDICTS),
});
export type WorkPoint = z.output<typeof WorkPointSchema>;

export const SummarySchema = z.object({
  runs: z.array(RunSummarySchema),
  replicas: z.array(ReplicaSummarySchema),
  phases: z.array(PhaseSummarySchema),
  overheads: z.array(OverheadSchema),
  /** Figures over the experiment's rounds (written by every reporter that knows rounds). */
  acrossRounds: AcrossRoundsSchema.optional(),
  /** Overheads against model time, one point per work level, deployment and figure (two levels or more). */
  workAxis: z.array(WorkPointSchema).optional(),
});
export type Summary = z.output<typeof SummarySchema>;

export const SUMMARY_FILE = 'summary.json';

export class SummaryError extends Error {
  override readonly name = 'SummaryError';
}

/** Validates summary.json text; the error names the file and the first field that is wrong. */
export function parseSummary(text: string, file: string): Summary {
  return parseJsonWith(SummarySchema, text, file, (message) => new SummaryError(message));
}

export function readSummary(file: string): Summary {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SummaryError(`${file}: cannot be read (${(err as Error).message})`);
  }
  return parseSummary(text, file);
}

/** The JSON text of a summary (validated first, so the writer cannot produce what readers refuse). */
export function formatSummaryJson(summary: Summary): string {
  return `${JSON.stringify(SummarySchema.parse(summary), null, 2)}\n`;
}
