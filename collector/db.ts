// The recording database: schema, pragmas, and the few statements the collector writes and reads.
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Counters } from './formulas.js';
import { cpuPercent, memPercent, memUsed } from './formulas.js';
import type { ReplicaInfo } from './selection.js';
import { RECORDING_SCHEMA_URL, RECORDING_SCHEMA_VERSION as SCHEMA_VERSION, schemaVersion } from '../contracts/recording.js';
import type { ReplicaRole, RunStatus } from '../contracts/recording.js';

export type Db = Database.Database;

// Statements are compiled once per connection: the per-tick ones would otherwise be re-parsed every tick.
const cache = new WeakMap<Db, Map<string, Database.Statement>>();
function prepared(db: Db, sql: string): Database.Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.prepare(sql)));
  return st;
}

/**
 * Opens (and when `create`, initialises) the DB: WAL so readers never block the writer, a busy
 * timeout so two collectors with different labels can share the file.
 */
export function openDb(path: string, opts: { create: boolean }): Db {
  const db = new Database(path, { fileMustExist: !opts.create });
  try {
    db.pragma('busy_timeout = 10000');
    const version = schemaVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new Error(`${path} has schema version ${version}; this collector knows up to ${SCHEMA_VERSION}`);
    }
    if (opts.create || version === SCHEMA_VERSION) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL'); // WAL + NORMAL: a crash loses at most the last tick, never consistency
      db.pragma('foreign_keys = ON');
    }
    if (opts.create && version < SCHEMA_VERSION) {
      db.transaction(() => {
        // read again under the write lock: another collector may have created or migrated it meanwhile
        const now = schemaVersion(db);
        if (now === SCHEMA_VERSION) return;
        if (now > 0) migrate(db, now);
        db.exec(readFileSync(RECORDING_SCHEMA_URL, 'utf8'));
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * What each version adds to the one before, applied in the caller's transaction; schema.sql (all
 * IF NOT EXISTS) then creates what is new. Only additions: a reader of an older version still reads a
 * migrated file's old columns as they were.
 */
const MIGRATIONS: Record<number, string> = {
  // 1 → 2: the replicas' role (every version-1 row is a service replica) and platform component;
  // samples_normalised is dropped so that schema.sql recreates it with both.
  2: `ALTER TABLE replicas ADD COLUMN role TEXT NOT NULL DEFAULT 'service' CHECK (role IN ('service', 'platform', 'client'));
      ALTER TABLE replicas ADD COLUMN component TEXT;
      DROP VIEW IF EXISTS samples_normalised;`,
};

/** Brings a recording of version `from` (≥ 1) up to SCHEMA_VERSION; the caller holds the transaction. */
function migrate(db: Db, from: number): void {
  for (let v = from + 1; v <= SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
}

export interface NewRun {
  label: string;
  deployment: string;
  startedAtMs: number;
  intervalMs: number;
  selection: unknown;
  statsSource: string;
  collectorPid: number;
  collectorHost: string;
  hostCpus: number;
  hostMemoryBytes: number;
  kernel: string;
  cgroupVersion: number | null;
  dockerVersion: string | null;
  modelId: string | null;
  modelDtype: string | null;
}

export function insertRun(db: Db, r: NewRun): number {
  const info = db
    .prepare(
      `INSERT INTO runs (label, deployment, status, started_at_ms, interval_ms, selection, stats_source,
         collector_pid, collector_host, host_cpus, host_memory_bytes, kernel, cgroup_version, docker_version,
         model_id, model_dtype)
       VALUES (?, ?, 'recording', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      r.label, r.deployment, r.startedAtMs, r.intervalMs, JSON.stringify(r.selection), r.statsSource,
      r.collectorPid, r.collectorHost, r.hostCpus, r.hostMemoryBytes, r.kernel, r.cgroupVersion,
      r.dockerVersion, r.modelId, r.modelDtype,
    );
  return Number(info.lastInsertRowid);
}

/** Ends a run: its open replicas end with it. */
export function finishRun(db: Db, runId: number, status: Exclude<RunStatus, 'recording'>, endedAtMs: number): void {
  db.transaction(() => {
    prepared(db, 'UPDATE replicas SET ended_at_ms = ? WHERE run_id = ? AND ended_at_ms IS NULL').run(endedAtMs, runId);
    prepared(db, `UPDATE runs SET status = ?, ended_at_ms = ? WHERE id = ? AND status = 'recording'`).run(
      status, endedAtMs, runId,
    );
    if (status === 'interrupted') {
      prepared(db, `INSERT INTO events (run_id, ts_ms, kind, detail) VALUES (?, ?, 'run-interrupted', ?)`).run(
        runId, Date.now(), 'collector process gone without stopping the run',
      );
    }
  }).immediate();
}

/** What a replica row measures (schema v2): the service, or a part of the platform, or the client. */
export interface ReplicaPart {
  role: ReplicaRole;
  /** PLATFORM_COMPONENTS or CLIENT_COMPONENT; null for the service. */
  component: string | null;
}

export const SERVICE_PART: ReplicaPart = { role: 'service', component: null };

export function insertReplica(db: Db, runId: number, r: ReplicaInfo | null, p: ProcessReplica | null, ts: number, part: ReplicaPart = SERVICE_PART): number {
  const id = Number(
    db
      .prepare(
        `INSERT INTO replicas (run_id, kind, name, container_id, hostname, pid, image, compose_project,
           compose_service, compose_number, swarm_service, swarm_task_slot, swarm_task_id, node, cpu_limit,
           memory_limit_bytes, first_seen_ms, role, component)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        runId, r ? 'container' : 'process', r?.name ?? p!.name, r?.containerId ?? null, r?.hostname ?? p!.hostname,
        r?.pid ?? p!.pid, r?.image ?? null, r?.composeProject ?? null, r?.composeService ?? null,
        r?.composeNumber ?? null, r?.swarmService ?? null, r?.swarmTaskSlot ?? null, r?.swarmTaskId ?? null,
        r?.node ?? p!.hostname, r?.cpuLimit ?? null, r?.memoryLimitBytes ?? null, ts, part.role, part.component,
      ).lastInsertRowid,
  );
  if (r) {
    const put = prepared(db, 'INSERT INTO replica_labels (replica_id, key, value) VALUES (?, ?, ?)');
    for (const [k, v] of Object.entries(r.labels)) put.run(id, k, v);
  }
  if (r && part.role === 'service') {
    // run-level facts come from the first service replica that has them (not from the front's image)
    prepared(db, 'UPDATE runs SET image_id = coalesce(image_id, ?), cpu_limit = coalesce(cpu_limit, ?) WHERE id = ?').run(
      r.imageId, r.cpuLimit, runId,
    );
  }
  return id;
}

export interface ProcessReplica {
  name: string;
  pid: number;
  hostname: string;
}

export function endReplica(db: Db, replicaId: number, ts: number): void {
  prepared(db, 'UPDATE replicas SET ended_at_ms = ? WHERE id = ? AND ended_at_ms IS NULL').run(ts, replicaId);
}

export function insertEvent(db: Db, runId: number, replicaId: number | null, ts: number, kind: string, detail: string | null): void {
  prepared(db, 'INSERT INTO events (run_id, replica_id, ts_ms, kind, detail) VALUES (?, ?, ?, ?, ?)').run(
    runId, replicaId, ts, kind, detail,
  );
}

/** One sample row: counters plus what the CLI would show. `error` set = a missed read, metrics NULL. */
export interface SampleWrite {
  replicaId: number;
  tsMs: number;
  counters: Counters | null;
  prev: Counters | undefined;
  error: string | null;
  /** When the source gives the CPU % itself (a stream frame with precpu_stats), use that. */
  cpuPercentOverride?: number | null;
}

export function makeSampleWriter(db: Db, runId: number): (s: SampleWrite) => void {
  const stmt = prepared(db, 
    `INSERT INTO samples (run_id, replica_id, ts_ms, error, cpu_percent, cpu_total_ns, system_cpu_ns, online_cpus,
       mem_used_bytes, mem_usage_bytes, mem_inactive_file_bytes, mem_limit_bytes, mem_percent, net_rx_bytes,
       net_tx_bytes, block_read_bytes, block_write_bytes, pids)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return (s) => {
    const c = s.counters;
    if (!c) {
      stmt.run(runId, s.replicaId, s.tsMs, s.error ?? 'missed', ...new Array<null>(14).fill(null));
      return;
    }
    const used = memUsed(c.memUsageBytes, c.memInactiveFileBytes);
    const cpu = s.cpuPercentOverride !== undefined ? s.cpuPercentOverride : cpuPercent(s.prev, c);
    stmt.run(
      runId, s.replicaId, s.tsMs, null, cpu, c.cpuTotalNs, c.systemCpuNs, c.onlineCpus, used, c.memUsageBytes,
      c.memInactiveFileBytes, c.memLimitBytes, memPercent(used, c.memLimitBytes), c.netRxBytes, c.netTxBytes,
      c.blockReadBytes, c.blockWriteBytes, c.pids,
    );
  };
}

export function markTick(db: Db, runId: number, ts: number): void {
  prepared(db, 'UPDATE runs SET ticks = ticks + 1, last_tick_ms = ? WHERE id = ?').run(ts, runId);
}
