// Text output of `status` and `runs`: aligned tables, times in UTC.
import type { Align, TableOptions } from '../common/text-table.js';
import { formatTable, utc } from '../common/text-table.js';
import { formatDuration } from '../contracts/duration.js';
import { replicasWithRoles, type RunRow } from '../contracts/recording.js';
import type { Db } from './db.js';

interface Counts {
  samples: number;
  live: number;
  replicas: number;
  last_ms: number | null;
}

type RunWithCounts = RunRow & Counts;

/** Replicas are the service's (platform and client rows are not replicas of the deployment); a version-1 file has only those. */
const counts = (db: Db): string => `(SELECT count(*) FROM samples s WHERE s.run_id = r.id) AS samples,
  (SELECT count(*) FROM ${replicasWithRoles(db)} p WHERE p.run_id = r.id AND p.role = 'service' AND p.ended_at_ms IS NULL) AS live,
  (SELECT count(*) FROM ${replicasWithRoles(db)} p WHERE p.run_id = r.id AND p.role = 'service') AS replicas,
  (SELECT max(ts_ms) FROM samples s WHERE s.run_id = r.id) AS last_ms`;

// Run ids, pids and counts stay left-aligned as these tables always showed them.
const LEFT: TableOptions = { align: new Array<Align>(10).fill('left') };

export function formatStatus(db: Db): string {
  const rows = db.prepare(`SELECT r.*, ${counts(db)} FROM runs r WHERE status = 'recording' ORDER BY id`).all() as RunWithCounts[];
  if (rows.length === 0) return 'no run is recording';
  return formatTable(
    ['run', 'label', 'deployment', 'pid', 'host', 'since', 'interval', 'samples', 'replicas', 'last sample'],
    rows.map((r) => [
      String(r.id), r.label, r.deployment, String(r.collector_pid ?? '–'), r.collector_host, utc(r.started_at_ms),
      formatDuration(r.interval_ms), String(r.samples), `${r.live} live / ${r.replicas}`, utc(r.last_ms),
    ]),
    LEFT,
  );
}

export function formatRuns(db: Db): string {
  const rows = db.prepare(`SELECT r.*, ${counts(db)} FROM runs r ORDER BY id`).all() as RunWithCounts[];
  if (rows.length === 0) return 'no runs recorded';
  return formatTable(
    ['run', 'label', 'deployment', 'status', 'started', 'ended', 'interval', 'source', 'samples', 'replicas'],
    rows.map((r) => [
      String(r.id), r.label, r.deployment, r.status, utc(r.started_at_ms), utc(r.ended_at_ms),
      formatDuration(r.interval_ms), r.stats_source, String(r.samples), String(r.replicas),
    ]),
    LEFT,
  );
}
