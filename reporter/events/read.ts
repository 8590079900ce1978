// Reads what the event timeline needs from report.db: the event phase's client rows, the run's service
// rows per replica, and its replicas' samples (by host name, the name the CSVs use; service rows only: the
// front, the host's processes and the load generator are sampled too, under other roles, since schema v2).
import type Database from 'better-sqlite3';
import { replicasWithRoles } from '../../contracts/recording.js';
import type { SwarmEvent } from '../../contracts/swarm-events.js';
import type { ReportRun } from '../selection.js';
import { eventTimeline, type EventClientRow, type EventSample, type EventServiceRow, type EventTimeline } from './timeline.js';

/** The runs that carry an event in their run.json (swarm-scale, swarm-failover). */
export function eventRuns(runs: readonly ReportRun[]): Array<ReportRun & { manifest: { event: SwarmEvent } }> {
  return runs.filter((r): r is ReportRun & { manifest: { event: SwarmEvent } } => (r.manifest?.event ?? null) !== null);
}

export function readEventTimeline(db: Database.Database, run: ReportRun & { manifest: { event: SwarmEvent } }): EventTimeline {
  const event = run.manifest.event;
  const client = (db.prepare(
    `SELECT intended_ms AS intendedMs, done_ms AS doneMs, latency_ms AS latencyMs, ok, COALESCE(error, '') AS error, replica
     FROM client_requests WHERE label = ? AND phase = ? ORDER BY intended_ms`,
  ).all(run.label, event.phase) as Array<Omit<EventClientRow, 'ok'> & { ok: number }>).map((r) => ({ ...r, ok: r.ok === 1 }));
  const service = db.prepare('SELECT replica, ts_ms AS tsMs FROM service_requests WHERE label = ? AND replica IS NOT NULL').all(run.label) as EventServiceRow[];
  const runId = run.recorded?.id;
  const samples = runId === undefined ? [] : (db.prepare(
    `SELECT r.hostname AS replica, s.ts_ms AS tsMs, s.cpu_percent AS cpuPercent, s.mem_used_bytes AS memUsedBytes,
            s.net_rx_bytes AS netRxBytes, s.net_tx_bytes AS netTxBytes
     FROM samples s JOIN ${replicasWithRoles(db)} r ON r.id = s.replica_id
     WHERE s.run_id = ? AND s.error IS NULL AND r.hostname IS NOT NULL AND r.role = 'service' ORDER BY s.ts_ms`,
  ).all(runId) as EventSample[]);
  return eventTimeline(event, client, service, samples);
}
