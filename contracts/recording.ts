// The recording database (data/bench.db): one row type per table of collector/schema.sql, column names as
// in SQL, and the typed reads every part shares. The collector writes these tables; the reporter, the
// bench and the collector's own status commands read them through the functions below.
// better-sqlite3 is imported for its types only: a part that reads passes in the connection it opened.
import type Database from 'better-sqlite3';

type Db = Database.Database;

/** PRAGMA user_version of a recording this code understands; a reader refuses a higher one. */
export const RECORDING_SCHEMA_VERSION = 2;

/** The schema file, relative to the project root (the collector applies it; fixtures build from it). */
export const RECORDING_SCHEMA_PATH = 'collector/schema.sql';

/** The schema file as a URL, valid from the compiled dist/contracts/recording.js. */
export const RECORDING_SCHEMA_URL = new URL('../../collector/schema.sql', import.meta.url);

/** Every table the collector writes. */
export const RECORDED_TABLES = ['runs', 'replicas', 'replica_labels', 'samples', 'events'] as const;
export type RecordedTable = (typeof RECORDED_TABLES)[number];

export const RUN_STATUSES = ['recording', 'complete', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Where a run's counters came from. */
export const STATS_SOURCES = ['cgroup-files', 'docker-api-stream', 'docker-api-oneshot', 'proc'] as const;
export type StatsSource = (typeof STATS_SOURCES)[number];

export const REPLICA_KINDS = ['container', 'process'] as const;
export type ReplicaKind = (typeof REPLICA_KINDS)[number];

/**
 * What a replica row measures (schema v2): the deployment's service, the platform that carries or runs it,
 * or the load generator (measured apart, never in the deployment's cost). A version-1 recording holds
 * service rows only: its rows read as 'service'.
 */
export const REPLICA_ROLES = ['service', 'platform', 'client'] as const;
export type ReplicaRole = (typeof REPLICA_ROLES)[number];

/** `replicas.component` of platform rows: the published port's userland proxy, the swarm front (HAProxy), runtime daemons. */
export const PLATFORM_COMPONENTS = ['docker-proxy', 'front', 'containerd-shim', 'dockerd', 'containerd'] as const;
export type PlatformComponent = (typeof PLATFORM_COMPONENTS)[number];

/** `replicas.component` of client rows. */
export const CLIENT_COMPONENT = 'load-generator';

/**
 * The load generator's scripts (load/cli.ts, and load/phase-child.ts that load/phase-process.ts forks
 * once per phase), as their compiled paths end: how the collector tells a load generator among the
 * processes of the pid it is given (`collector start --client-pid`).
 */
export const LOAD_GENERATOR_SCRIPTS = ['/load/cli.js', '/load/phase-child.js'] as const;

/** What the collector records in `events.kind`. */
export const EVENT_KINDS = [
  'replica-started', 'replica-ended', 'engine-lost', 'engine-back', 'stats-fallback', 'stream-failed', 'waiting',
  'run-interrupted', 'tick-summary', 'block-io-source',
] as const;

/** The `block-io-source` event's detail: the run's block I/O is /proc/<pid>/io summed over each group's processes. */
export const PROC_IO_BLOCK_SOURCE = 'cgroup v1 blkio files count nothing on this kernel (the root group\'s total is 0): block I/O is /proc/<pid>/io read_bytes and write_bytes summed over each group\'s processes';
export type EventKind = (typeof EVENT_KINDS)[number];

/** One row of `runs`. Times are ms since the epoch (UTC). */
export interface RunRow {
  id: number;
  label: string;
  /** native | docker | compose | swarm | other (contracts/deployments RECORDED_DEPLOYMENTS) */
  deployment: string;
  status: RunStatus;
  started_at_ms: number;
  ended_at_ms: number | null;
  interval_ms: number;
  /** JSON: what the collector was told to watch. */
  selection: string;
  stats_source: StatsSource;
  collector_pid: number | null;
  collector_host: string;
  host_cpus: number;
  host_memory_bytes: number;
  kernel: string | null;
  cgroup_version: number | null;
  docker_version: string | null;
  image_id: string | null;
  model_id: string | null;
  model_dtype: string | null;
  cpu_limit: number | null;
  ticks: number;
  last_tick_ms: number | null;
}

/** One row of `replicas`: a container or a native process. */
export interface ReplicaRow {
  id: number;
  run_id: number;
  kind: ReplicaKind;
  name: string;
  container_id: string | null;
  hostname: string | null;
  pid: number | null;
  image: string | null;
  compose_project: string | null;
  compose_service: string | null;
  compose_number: number | null;
  swarm_service: string | null;
  swarm_task_slot: number | null;
  swarm_task_id: string | null;
  node: string | null;
  cpu_limit: number | null;
  memory_limit_bytes: number | null;
  first_seen_ms: number;
  ended_at_ms: number | null;
  /** v2; read as 'service' from a version-1 recording. */
  role: ReplicaRole;
  /** v2: which part of the platform (PLATFORM_COMPONENTS) or CLIENT_COMPONENT; NULL for service rows. */
  component: string | null;
}

export interface ReplicaLabelRow {
  replica_id: number;
  key: string;
  value: string;
}

/** One row of `samples`. `error` set = a missed read, every metric NULL. */
export interface SampleRow {
  id: number;
  run_id: number;
  replica_id: number;
  ts_ms: number;
  error: string | null;
  cpu_percent: number | null;
  cpu_total_ns: number | null;
  system_cpu_ns: number | null;
  online_cpus: number | null;
  mem_used_bytes: number | null;
  mem_usage_bytes: number | null;
  mem_inactive_file_bytes: number | null;
  mem_limit_bytes: number | null;
  mem_percent: number | null;
  net_rx_bytes: number | null;
  net_tx_bytes: number | null;
  block_read_bytes: number | null;
  block_write_bytes: number | null;
  pids: number | null;
}

export type SampleColumn = keyof SampleRow;

/** The columns of `samples`, in table order. */
export const SAMPLE_COLUMNS: readonly SampleColumn[] = [
  'id', 'run_id', 'replica_id', 'ts_ms', 'error', 'cpu_percent', 'cpu_total_ns', 'system_cpu_ns', 'online_cpus',
  'mem_used_bytes', 'mem_usage_bytes', 'mem_inactive_file_bytes', 'mem_limit_bytes', 'mem_percent', 'net_rx_bytes',
  'net_tx_bytes', 'block_read_bytes', 'block_write_bytes', 'pids',
];

export interface EventRow {
  id: number;
  run_id: number;
  replica_id: number | null;
  ts_ms: number;
  kind: string;
  detail: string | null;
}

/** The JSON in the `detail` of a run's `tick-summary` event: how well the poll loop kept its schedule. */
export interface TickSummary {
  ticks: number;
  missedTicks: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Every run, oldest first. */
export function listRuns(db: Db): RunRow[] {
  return db.prepare('SELECT * FROM runs ORDER BY started_at_ms, id').all() as RunRow[];
}

export function runById(db: Db, runId: number): RunRow | undefined {
  return db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
}

/** The latest run with this label (labels are not unique: a label recorded twice has two runs). */
export function runByLabel(db: Db, label: string): RunRow | undefined {
  return db.prepare('SELECT * FROM runs WHERE label = ? ORDER BY started_at_ms DESC, id DESC LIMIT 1').get(label) as RunRow | undefined;
}

/** Runs still recording (all, or those with this label), by id. */
export function recordingRuns(db: Db, label?: string): RunRow[] {
  return label === undefined
    ? (db.prepare(`SELECT * FROM runs WHERE status = 'recording' ORDER BY id`).all() as RunRow[])
    : (db.prepare(`SELECT * FROM runs WHERE status = 'recording' AND label = ? ORDER BY id`).all(label) as RunRow[]);
}

/** Whether the recording's replicas have the role columns (schema v2); a version-1 file is read as it is. */
export function hasReplicaRoles(db: Db): boolean {
  return (db.prepare(`SELECT COUNT(*) FROM pragma_table_info('replicas') WHERE name = 'role'`).pluck().get() as number) > 0;
}

/**
 * SQL for the replicas table with role and component whatever the version: the table itself (v2), or its
 * version-1 rows with role 'service' and no component. Use it in place of `replicas` in a FROM clause.
 */
export function replicasWithRoles(db: Db): string {
  return hasReplicaRoles(db) ? 'replicas' : `(SELECT *, 'service' AS role, NULL AS component FROM replicas)`;
}

/** A run's replicas (all, or those of one role) in the order they were first seen. */
export function replicasOfRun(db: Db, runId: number, role?: ReplicaRole): ReplicaRow[] {
  const sql = `SELECT * FROM ${replicasWithRoles(db)} WHERE run_id = @runId AND (@role IS NULL OR role = @role) ORDER BY id`;
  return db.prepare(sql).all({ runId, role: role ?? null }) as ReplicaRow[];
}

/** A replica's container labels as key → value. */
export function labelsOfReplica(db: Db, replicaId: number): Record<string, string> {
  const rows = db.prepare('SELECT key, value FROM replica_labels WHERE replica_id = ? ORDER BY key').all(replicaId) as ReplicaLabelRow[];
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/**
 * A run's samples (of every replica, or of those in `replicaIds`) by replica, then time, streamed (a run
 * can hold hundreds of thousands). Pass the columns you need to read only those; the default is every column.
 */
export function samplesOfRun<C extends SampleColumn = SampleColumn>(
  db: Db,
  runId: number,
  columns?: readonly C[],
  replicaIds?: readonly number[],
): IterableIterator<Pick<SampleRow, C>> {
  const list = columns === undefined ? '*' : columns.map((c) => quoteColumn(c)).join(', ');
  // only those replicas' rows: the (replica_id, ts_ms) index reads them without touching the others
  const ids = replicaIds?.map((id) => Number(id)).filter(Number.isInteger);
  const only = ids === undefined ? '' : ` AND replica_id IN (${ids.join(', ') || 'NULL'})`;
  return db.prepare(`SELECT ${list} FROM samples WHERE run_id = ?${only} ORDER BY replica_id, ts_ms`).iterate(runId) as IterableIterator<Pick<SampleRow, C>>;
}

/** First and last sample time of a run (missed reads included); undefined when it has no samples. */
export function sampleSpan(db: Db, runId: number): { firstMs: number; lastMs: number } | undefined {
  const r = db.prepare('SELECT MIN(ts_ms) AS firstMs, MAX(ts_ms) AS lastMs FROM samples WHERE run_id = ?').get(runId) as {
    firstMs: number | null;
    lastMs: number | null;
  };
  return r.firstMs === null || r.lastMs === null ? undefined : { firstMs: r.firstMs, lastMs: r.lastMs };
}

export function sampleCount(db: Db, runId: number): number {
  return db.prepare('SELECT COUNT(*) FROM samples WHERE run_id = ?').pluck().get(runId) as number;
}

/** A run's events in time order, all or of one kind. */
export function eventsOfRun(db: Db, runId: number, kind?: EventKind): EventRow[] {
  const sql = 'SELECT * FROM events WHERE run_id = @runId AND (@kind IS NULL OR kind = @kind) ORDER BY ts_ms, id';
  return db.prepare(sql).all({ runId, kind: kind ?? null }) as EventRow[];
}

/** The tick summary a run that ended cleanly recorded; undefined for a run still recording or interrupted. */
export function tickSummaryOfRun(db: Db, runId: number): TickSummary | undefined {
  const event = eventsOfRun(db, runId, 'tick-summary').at(-1);
  return event?.detail ? (JSON.parse(event.detail) as TickSummary) : undefined;
}

/** Column names go into SQL text, so only the known ones pass (a cast from a caller's string cannot inject). */
function quoteColumn(column: string): string {
  if (!(SAMPLE_COLUMNS as readonly string[]).includes(column)) throw new Error(`samples has no column ${column}`);
  return column;
}
