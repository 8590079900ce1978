// Imports the run folders' latency CSVs into the reporter's tables and joins each request to the replica
// that served it and to that replica's nearest sample. Only the reporter's own tables are written.
import type Database from 'better-sqlite3';
import { type ReplicaRow as RecordedReplica, replicasOfRun } from '../contracts/recording.js';
import { eachClientRow, eachServiceRow, type Warning } from './csv-read.js';
import type { Phase } from './run-folders.js';
import type { ReportRun } from './selection.js';
import type { TimeZone } from './time-zone.js';

export interface ImportCounts {
  readonly label: string;
  readonly clientRows: number;
  readonly serviceRows: number;
  readonly skipped: number;
  readonly unattributed: number;
  /** Service rows whose timestamp had no zone (read in the zone the build assumed). */
  readonly zonelessRows: number;
}

export function phaseAt(phases: ReadonlyArray<Pick<Phase, 'name' | 'startMs' | 'endMs'>>, tsMs: number): string | null {
  for (const p of phases) if (tsMs >= p.startMs && tsMs <= p.endMs) return p.name;
  return null;
}

type ReplicaRow = Pick<RecordedReplica, 'id' | 'hostname' | 'first_seen_ms' | 'ended_at_ms'>;

/**
 * Who served a request: the replica whose host name the service wrote (when a host name has several
 * rows, e.g. a restarted container, the one alive at that time, within one poll interval); a client
 * row takes its service row's replica through the request id, else its own replica column. Rows still
 * unknown (the 4-column service CSV has no Replica column) go to the run's only replica when it has exactly one,
 * else stay unattributed.
 */
export class Attributor {
  private readonly byHost = new Map<string, ReplicaRow[]>();
  private readonly byRequest = new Map<string, number>();
  constructor(private readonly replicas: readonly ReplicaRow[], private readonly intervalMs: number) {
    for (const r of replicas) if (r.hostname) this.byHost.set(r.hostname, [...(this.byHost.get(r.hostname) ?? []), r]);
  }

  private host(hostname: string | null, atMs: number): number | undefined {
    const rows = hostname ? this.byHost.get(hostname) : undefined;
    if (!rows) return undefined;
    const alive = rows.filter((r) => atMs >= r.first_seen_ms - this.intervalMs && atMs <= (r.ended_at_ms ?? Infinity) + this.intervalMs);
    const pool = alive.length > 0 ? alive : rows;
    return pool.reduce((a, b) => (b.first_seen_ms > a.first_seen_ms ? b : a)).id;
  }

  private only(): [number, string] | [null, null] {
    return this.replicas.length === 1 ? [this.replicas[0]!.id, 'only-replica'] : [null, null];
  }

  service(hostname: string | null, requestId: string | null, atMs: number): [number, string] | [null, null] {
    const id = this.host(hostname, atMs);
    if (id === undefined) return this.only();
    if (requestId) this.byRequest.set(requestId, id);
    return [id, 'hostname'];
  }

  client(requestId: string | null, hostname: string | null, atMs: number): [number, string] | [null, null] {
    const viaRequest = requestId ? this.byRequest.get(requestId) : undefined;
    if (viaRequest !== undefined) return [viaRequest, 'request-id'];
    const id = this.host(hostname, atMs);
    return id === undefined ? this.only() : [id, 'hostname'];
  }
}

/** One run's CSVs into report.db; zone-less service timestamps are read in `zone`. */
export function importRun(db: Database.Database, run: ReportRun, zone: TimeZone, warn: (w: Warning) => void): ImportCounts {
  const runId = run.recorded?.id ?? null;
  // requests are served by the service's replicas only (not the platform's or the client's rows)
  const replicas = runId === null ? [] : replicasOfRun(db, runId, 'service');
  const who = new Attributor(replicas, run.recorded?.intervalMs ?? 0);
  db.prepare(
    `INSERT INTO report_runs (label, run_id, deployment, folder, manifest, has_client_csv, window_start_ms, window_end_ms, built_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(run.label, runId, run.deployment, run.folder?.dir ?? null, run.manifest ? JSON.stringify(run.manifest) : null,
    run.folder?.clientCsv ? 1 : 0, run.windowStartMs, run.windowEndMs, Date.now());
  const insPhase = db.prepare('INSERT OR REPLACE INTO report_phases VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const p of run.phases) insPhase.run(run.label, p.name, p.startMs, p.endMs, p.concurrency, p.rateRps, p.requests);

  let skipped = 0;
  let serviceRows = 0;
  let zonelessRows = 0;
  const insService = db.prepare(
    `INSERT INTO service_requests (label, run_id, file, line, ts_ms, latency_ms, prediction, input_text, score, replica,
       request_id, batch_size, phase, replica_id, attribution) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const file of run.folder?.serviceCsvs ?? []) {
    const csv = eachServiceRow(file, zone, (line, r) => {
      insService.run(run.label, runId, file, line, r.tsMs, r.latencyMs, r.prediction, r.inputText, r.score, r.replica,
        r.requestId, r.batchSize, phaseAt(run.phases, r.tsMs), ...who.service(r.replica, r.requestId, r.tsMs));
      serviceRows++;
      if (r.tsZoneless) zonelessRows++;
    });
    skipped += csv.skipped;
    csv.warnings.forEach(warn);
  }
  let clientRows = 0;
  if (run.folder?.clientCsv) {
    const file = run.folder.clientCsv;
    const ins = db.prepare(
      `INSERT INTO client_requests (label, run_id, file, line, phase, seq, request_id, intended_ms, sent_ms, done_ms,
         latency_ms, status, error, server_latency_ms, replica, prediction, bytes_sent, bytes_received, ok, replica_id, attribution)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const csv = eachClientRow(file, (line, r) => {
      const ok = r.status >= 200 && r.status < 300 && r.error === null && r.latencyMs !== null ? 1 : 0;
      ins.run(run.label, runId, file, line, r.phase, r.seq, r.requestId, r.intendedMs, r.sentMs, r.doneMs, r.latencyMs,
        r.status, r.error, r.serverLatencyMs, r.replica, r.prediction, r.bytesSent, r.bytesReceived, ok, ...who.client(r.requestId, r.replica, r.doneMs ?? r.intendedMs));
      clientRows++;
    });
    skipped += csv.skipped;
    csv.warnings.forEach(warn);
  }
  if (runId !== null) joinSamples(db, run.label, run.recorded!.intervalMs);
  const count = (table: string): number =>
    db.prepare(`SELECT COUNT(*) FROM ${table} WHERE label = ? AND replica_id IS NULL`).pluck().get(run.label) as number;
  return { label: run.label, clientRows, serviceRows, skipped, unattributed: count('service_requests') + count('client_requests'), zonelessRows };
}

/** Each attributed request gets the nearest non-error sample of its replica within one poll interval. */
function joinSamples(db: Database.Database, label: string, intervalMs: number): void {
  const nearest = (table: string, time: string): string => `
    UPDATE ${table} SET sample_id = (
      SELECT s.id FROM samples s
      WHERE s.replica_id = ${table}.replica_id AND s.error IS NULL AND s.ts_ms BETWEEN ${time} - :iv AND ${time} + :iv
      ORDER BY ABS(s.ts_ms - ${time}) LIMIT 1)
    WHERE label = :label AND replica_id IS NOT NULL`;
  db.prepare(nearest('service_requests', 'service_requests.ts_ms')).run({ label, iv: intervalMs });
  db.prepare(nearest('client_requests', 'COALESCE(client_requests.done_ms, client_requests.intended_ms)')).run({ label, iv: intervalMs });
}
