// Text output of `status` and `runs`: aligned tables, times in UTC.
import type { Db } from './db.js';
import { formatDuration } from './duration.js';

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function utc(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

interface StatusRow {
  id: number;
  label: string;
  deployment: string;
  collector_pid: number | null;
  collector_host: string;
  started_at_ms: number;
  interval_ms: number;
  samples: number;
  live: number;
  replicas: number;
  last_ms: number | null;
}

const COUNTS = `(SELECT count(*) FROM samples s WHERE s.run_id = r.id) AS samples,
  (SELECT count(*) FROM replicas p WHERE p.run_id = r.id AND p.ended_at_ms IS NULL) AS live,
  (SELECT count(*) FROM replicas p WHERE p.run_id = r.id) AS replicas,
  (SELECT max(ts_ms) FROM samples s WHERE s.run_id = r.id) AS last_ms`;

export function formatStatus(db: Db): string {
  const rows = db.prepare(`SELECT r.*, ${COUNTS} FROM runs r WHERE status = 'recording' ORDER BY id`).all() as StatusRow[];
  if (rows.length === 0) return 'no run is recording';
  return table(
    ['run', 'label', 'deployment', 'pid', 'host', 'since', 'interval', 'samples', 'replicas', 'last sample'],
    rows.map((r) => [
      String(r.id), r.label, r.deployment, String(r.collector_pid ?? '-'), r.collector_host, utc(r.started_at_ms),
      formatDuration(r.interval_ms), String(r.samples), `${r.live} live / ${r.replicas}`, utc(r.last_ms),
    ]),
  );
}

interface RunsRow extends StatusRow {
  status: string;
  ended_at_ms: number | null;
  stats_source: string;
}

export function formatRuns(db: Db): string {
  const rows = db.prepare(`SELECT r.*, ${COUNTS} FROM runs r ORDER BY id`).all() as RunsRow[];
  if (rows.length === 0) return 'no runs recorded';
  return table(
    ['run', 'label', 'deployment', 'status', 'started', 'ended', 'interval', 'source', 'samples', 'replicas'],
    rows.map((r) => [
      String(r.id), r.label, r.deployment, r.status, utc(r.started_at_ms), utc(r.ended_at_ms),
      formatDuration(r.interval_ms), r.stats_source, String(r.samples), String(r.replicas),
    ]),
  );
}
