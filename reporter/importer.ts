// Imports the run folders' latency CSVs into the reporter's tables and joins each request to the replica
// that served it and to that replica's nearest sample. Only the reporter's own tables are written.
import type Database from 'better-sqlite3';
import { readClientCsv, readServiceCsv, type Warning } from './csv-read.js';
import type { Phase } from './run-folders.js';
import type { ReportRun } from './selection.js';

export interface ImportCounts {
  readonly label: string;
  readonly clientRows: number;
  readonly serviceRows: number;
  readonly skipped: number;
  readonly unattributed: number;
}

export function phaseAt(phases: readonly Phase[], tsMs: number): string | null {
  for (const p of phases) if (tsMs >= p.startMs && tsMs <= p.endMs) return p.name;
  return null;
}

/** Clears the reporter's tables: they describe the last build only. */
export function clearReportTables(db: Database.Database): void {
  db.exec('DELETE FROM client_requests; DELETE FROM service_requests; DELETE FROM report_phases; DELETE FROM report_runs;');
}

export function importRun(db: Database.Database, run: ReportRun, warn: (w: Warning) => void): ImportCounts {
  const runId = run.recorded?.id ?? null;
  db.prepare(
    `INSERT INTO report_runs (label, run_id, deployment, folder, manifest, window_start_ms, window_end_ms, built_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(run.label, runId, run.deployment, run.folder?.dir ?? null, run.manifest ? JSON.stringify(run.manifest) : null,
    run.windowStartMs, run.windowEndMs, Date.now());
  const insPhase = db.prepare('INSERT OR REPLACE INTO report_phases VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const p of run.phases) insPhase.run(run.label, p.name, p.startMs, p.endMs, p.concurrency, p.rateRps, p.requests);

  let skipped = 0;
  let serviceRows = 0;
  const insService = db.prepare(
    `INSERT INTO service_requests (label, run_id, file, line, ts_ms, latency_ms, prediction, input_text, score, replica,
       request_id, batch_size, phase) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const file of run.folder?.serviceCsvs ?? []) {
    const csv = readServiceCsv(file);
    skipped += csv.skipped;
    csv.warnings.forEach(warn);
    for (const { line, row: r } of csv.rows) {
      insService.run(run.label, runId, file, line, r.tsMs, r.latencyMs, r.prediction, r.inputText, r.score, r.replica,
        r.requestId, r.batchSize, phaseAt(run.phases, r.tsMs));
      serviceRows++;
    }
  }
  let clientRows = 0;
  if (run.folder?.clientCsv) {
    const csv = readClientCsv(run.folder.clientCsv);
    skipped += csv.skipped;
    csv.warnings.forEach(warn);
    const ins = db.prepare(
      `INSERT INTO client_requests (label, run_id, file, line, phase, seq, request_id, intended_ms, sent_ms, done_ms,
         latency_ms, status, error, server_latency_ms, replica, prediction, ok)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const { line, row: r } of csv.rows) {
      const ok = r.status >= 200 && r.status < 300 && r.error === null && r.latencyMs !== null ? 1 : 0;
      ins.run(run.label, runId, csv.file, line, r.phase, r.seq, r.requestId, r.intendedMs, r.sentMs, r.doneMs, r.latencyMs,
        r.status, r.error, r.serverLatencyMs, r.replica, r.prediction, ok);
      clientRows++;
    }
  }
  const unattributed = runId === null ? serviceRows + clientRows : attribute(db, run.label, runId, run.recorded!.intervalMs);
  return { label: run.label, clientRows, serviceRows, skipped, unattributed };
}

/**
 * Who served each request: the service row's Replica host name (= replicas.hostname; when a host name
 * has several rows, the one alive at that time); a client row takes its service row's replica through
 * the request id, else its own replica column. Rows still unknown (the seed CSV has no Replica column)
 * go to the run's only replica when it has exactly one, else stay unattributed.
 * Then each request gets the nearest non-error sample of its replica within one poll interval.
 */
function attribute(db: Database.Database, label: string, runId: number, intervalMs: number): number {
  const byHost = (table: string, time: string): string => `
    UPDATE ${table} SET attribution = 'hostname', replica_id = (
      SELECT r.id FROM replicas r WHERE r.run_id = :run AND r.hostname = ${table}.replica
      ORDER BY (${time} BETWEEN r.first_seen_ms - :iv AND COALESCE(r.ended_at_ms, 9e15) + :iv) DESC, r.first_seen_ms DESC
      LIMIT 1)
    WHERE label = :label AND replica IS NOT NULL AND replica_id IS NULL`;
  const p = { run: runId, label, iv: intervalMs };
  db.prepare(byHost('service_requests', 'service_requests.ts_ms')).run(p);
  db.prepare(
    `UPDATE client_requests SET attribution = 'request-id', replica_id = (
       SELECT q.replica_id FROM service_requests q
       WHERE q.label = :label AND q.request_id = client_requests.request_id AND q.replica_id IS NOT NULL LIMIT 1)
     WHERE label = :label AND request_id IS NOT NULL`,
  ).run({ label });
  db.prepare(byHost('client_requests', 'COALESCE(client_requests.done_ms, client_requests.intended_ms)')).run(p);
  const replicas = db.prepare('SELECT id FROM replicas WHERE run_id = ?').pluck().all(runId) as number[];
  for (const table of ['service_requests', 'client_requests']) {
    db.prepare(`UPDATE ${table} SET attribution = NULL WHERE label = ? AND replica_id IS NULL`).run(label);
    if (replicas.length === 1)
      db.prepare(`UPDATE ${table} SET replica_id = ?, attribution = 'only-replica' WHERE label = ? AND replica_id IS NULL`)
        .run(replicas[0], label);
  }
  const nearest = (table: string, time: string): string => `
    UPDATE ${table} SET sample_id = (
      SELECT s.id FROM samples s
      WHERE s.replica_id = ${table}.replica_id AND s.error IS NULL AND s.ts_ms BETWEEN ${time} - :iv AND ${time} + :iv
      ORDER BY ABS(s.ts_ms - ${time}) LIMIT 1)
    WHERE label = :label AND replica_id IS NOT NULL`;
  db.prepare(nearest('service_requests', 'service_requests.ts_ms')).run({ label, iv: intervalMs });
  db.prepare(nearest('client_requests', 'COALESCE(client_requests.done_ms, client_requests.intended_ms)')).run({ label, iv: intervalMs });
  const count = (table: string): number =>
    db.prepare(`SELECT COUNT(*) FROM ${table} WHERE label = ? AND replica_id IS NULL`).pluck().get(label) as number;
  return count('service_requests') + count('client_requests');
}
