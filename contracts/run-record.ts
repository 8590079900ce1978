// data/runs/<label>/round-<k>/run.json: what one deployment's run in one round was (collector run id,
// target, phases with their times, the round and its order). The experiment writes it after every phase;
// the reporter reads it. One zod schema serves both: the writer's type is the schema's output type, and
// the reader validates with the same schema. Fields added after the first release are optional with a
// default, so older files (one run per label, data/runs/<label>/run.json) still read as round 1 of 1.
import { z } from 'zod';
import { DEPLOYMENT_KINDS } from './deployments.js';
import { parseJsonWith } from './json-file.js';
import { SwarmEventSchema } from './swarm-events.js';

const finite = z.number().finite();
const nullableNumber = finite.nullable().default(null);

export const PhaseRecordSchema = z.object({
  name: z.string().min(1),
  startMs: finite,
  endMs: finite,
  concurrency: nullableNumber,
  rateRps: nullableNumber,
  requests: nullableNumber,
  /** The load generator's own CPU over this phase; 100 = one core. */
  loadgenCpuPercent: nullableNumber,
});
export type PhaseRecord = z.output<typeof PhaseRecordSchema>;

/** The HAProxy front (image llm-inference-front) a run's load went through before the replicas. */
export const FrontSchema = z.object({
  /** The front's image. */
  image: z.string(),
  /** Where it sends the requests: `tasks.<service>:5000` (Swarm, through Docker's DNS) or one replica's ip:port (the --front control). */
  backend: z.string(),
});
export type Front = z.output<typeof FrontSchema>;

export const TargetSchema = z.object({
  /** Always a loopback address: never a container address. */
  host: z.string(),
  port: z.number().int(),
  /** Whether Docker's userland proxy (docker-proxy) carried the published port; null for native. */
  userlandProxy: z.boolean().nullable().default(null),
  /** How the traffic reaches the replicas, in a few words ("published port", "haproxy front, dnsrr"). */
  path: z.string().default(''),
  /**
   * The HAProxy front the load went through (Swarm without IPVS, or a `<name>-front` control run); absent
   * or null = none (optional, so the drivers without a front, and files from before it, need not say so).
   */
  front: FrontSchema.nullable().optional(),
  /** The node the front runs on when the replicas span several nodes (its swarm host name); absent otherwise. */
  frontNode: z.string().optional(),
});
export type Target = z.output<typeof TargetSchema>;

export const ImageInfoSchema = z.object({
  id: z.string(),
  sizeBytes: nullableNumber,
  /** The reference the containers were started from (LLM_IMAGE, or the local llm-inference-image). */
  ref: z.string().nullable().default(null),
  /** sha256:… the registry serves for `ref` (its RepoDigest); null for a locally built image. */
  digest: z.string().nullable().default(null),
});
export type ImageInfo = z.output<typeof ImageInfoSchema>;

/**
 * A node's clock against the experiment host's, read when the node collectors started recording (`start`)
 * and before they stopped (`end`): the nodes' samples are lined up with the host's request times, so an
 * offset near the sampling interval puts samples in the wrong second.
 */
export const NodeClockSchema = z.object({
  node: z.string().min(1),
  at: z.enum(['start', 'end']),
  /** Node clock − host clock (positive: the node is ahead). */
  offsetMs: finite,
  /** The offset is within ± this (half the reading's round trip). */
  uncertaintyMs: finite,
  /** Host time of the reading. */
  measuredAtMs: finite,
});
export type NodeClock = z.output<typeof NodeClockSchema>;

export const RUN_STATUSES = ['running', 'complete', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RunRecordSchema = z.object({
  label: z.string().min(1),
  /** Collector run id in the recording; null when no collector ran. */
  runId: z.number().int().nullable().default(null),
  /** A deployment kind; files written by hand may name another. */
  deployment: z.union([z.enum(DEPLOYMENT_KINDS), z.string()]).nullable().default(null),
  target: TargetSchema.nullable().default(null),
  startedAtMs: nullableNumber,
  endedAtMs: nullableNumber,
  phases: z.array(PhaseRecordSchema).default([]),
  image: ImageInfoSchema.nullable().default(null),
  /** Per-replica limits asked for on the command line (containers only); null = unlimited. */
  limits: z.object({ cpus: nullableNumber, memoryBytes: nullableNumber }).nullable().default(null),
  loadgen: z.object({ cpuPercent: nullableNumber }).nullable().default(null),
  /** running while phases are under way; complete, failed or interrupted at the end. */
  status: z.union([z.enum(RUN_STATUSES), z.string()]).nullable().default(null),
  error: z.string().nullable().default(null),
  /** Service CSVs collected under service/, relative to the run folder. */
  serviceCsvs: z.array(z.string()).default([]),
  /** Which round of the experiment this run was (1-based); every label is measured once per round. */
  round: z.number().int().min(1).default(1),
  /** How many rounds the experiment was asked for (--repeat). */
  rounds: z.number().int().min(1).default(1),
  /** Where this run came in its round's order (0-based); null when not recorded. */
  position: z.number().int().min(0).nullable().default(null),
  /** The labels of this run's round, in the order they ran. */
  order: z.array(z.string()).default([]),
  /** The seed the round orders were drawn from (--seed); null when not recorded. */
  seed: z.number().int().nullable().default(null),
  /** The request corpus (--corpus): a bundled corpus's name (`reviews`, `long-reviews`) or a file's path;
   * with dtype, the run's work level. null: not recorded (runs before the work axis sent `reviews`). */
  corpus: z.string().min(1).nullable().default(null),
  /** The service settings the experiment gave every deployment (MODEL_SESSIONS, BATCH_MAX_SIZE, … from its
   * environment; experiment/options.ts SERVICE_ENV_PASSTHROUGH); {} = the service's defaults, or not recorded. */
  serviceSettings: z.record(z.string(), z.string()).default({}),
  /** The model dtype the service reported on /health (`q8`, `fp32`); null when it did not say. */
  dtype: z.string().min(1).nullable().default(null),
  /** swarm-scale and swarm-failover: the event under load (a scale, a killed replica); null for a steady run. */
  event: SwarmEventSchema.nullable().default(null),
  /** --nodes: each node's clock offset at the start and the end of the recording; empty on one engine. */
  nodeClocks: z.array(NodeClockSchema).default([]),
});
export type RunRecord = z.output<typeof RunRecordSchema>;
/** What a writer must provide: defaults may be left out. */
export type RunRecordInput = z.input<typeof RunRecordSchema>;

export const RUN_RECORD_FILE = 'run.json';

/** Validates run.json text; the error names the file and the first field that is wrong. */
export function parseRunRecord(text: string, file: string): RunRecord {
  return parseJsonWith(RunRecordSchema, text, file, (message) => new RunRecordError(message));
}

/** The JSON text written for a record (validated first, so a writer cannot produce what readers refuse). */
export function formatRunRecord(record: RunRecordInput): string {
  return `${JSON.stringify(RunRecordSchema.parse(record), null, 2)}\n`;
}

export class RunRecordError extends Error {
  override readonly name = 'RunRecordError';
}
