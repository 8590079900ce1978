// Several nodes' recordings (`--db a.db --db b.db`) merged into report.db, which already holds the first
// (report-db.ts). Each further input is opened read-only and read inside one read transaction, so a
// collector still recording meanwhile gives a consistent snapshot and is never blocked. Its rows keep
// their values with ids moved past those already there (the first input keeps its ids, so run.json run
// ids from it stay valid). Runs with the same label, overlapping in time,
// recorded by collectors on different hosts are one run seen from several nodes: they are folded into
// the earliest, whose replicas then span the nodes.
import type Database from 'better-sqlite3';
import { errorText } from '../common/error-text.js';
import { RECORDED_TABLES, type RecordedTable } from '../contracts/recording.js';
import { openRecording, ReporterError } from './db.js';

/** Columns that hold an id of a recorded table, per table: they move by that table's offset. */
const ID_COLUMNS: Record<RecordedTable, Partial<Record<string, 'runs' | 'replicas' | 'samples' | 'events'>>> = {
  runs: { id: 'runs' },
  replicas: { id: 'replicas', run_id: 'runs' },
  replica_labels: { replica_id: 'replicas' },
  samples: { id: 'samples', run_id: 'runs', replica_id: 'replicas' },
  events: { id: 'events', run_id: 'runs', replica_id: 'replicas' },
};

export interface MergeResult {
  readonly runs: number;
  /** Runs folded into another as other nodes' view of it. */
  readonly folded: number;
}

const columns = (db: Database.Database, table: string): string[] =>
  db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];

/** Adds the recorded rows of `others` to `out` (which holds the first recording), then folds nodes' runs. */
export function mergeRecordings(others: readonly string[], out: Database.Database): MergeResult {
  try {
    for (const path of others) {
      const src = openRecording(path);
      try {
        copyInput(src, out);
      } finally {
        src.close();
      }
    }
    recordReplicaNodes(out);
    const folded = others.length > 0 ? foldNodes(out) : 0;
    return { runs: out.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number, folded };
  } catch (err) {
    if (err instanceof ReporterError) throw err;
    throw new ReporterError(`merging ${others.join(', ')}: ${errorText(err)}`);
  }
}

/** One input's rows, ids moved past those already there, in one read transaction (a consistent snapshot). */
function copyInput(src: Database.Database, out: Database.Database): void {
  src.exec('BEGIN');
  try {
    out.transaction(() => {
      const offset = { runs: 0, replicas: 0, samples: 0, events: 0 };
      for (const t of Object.keys(offset) as Array<keyof typeof offset>) offset[t] = out.prepare(`SELECT COALESCE(MAX(id), 0) FROM ${t}`).pluck().get() as number;
      for (const table of RECORDED_TABLES) copyTable(src, out, table, offset);
    })();
  } finally {
    src.exec('COMMIT');
  }
}

function copyTable(src: Database.Database, out: Database.Database, table: RecordedTable, offset: Record<string, number>): void {
  const theirs = new Set(columns(src, table));
  const shared = columns(out, table).filter((c) => theirs.has(c));
  const moves = shared.map((c) => offset[ID_COLUMNS[table][c] ?? ''] ?? 0);
  const insert = out.prepare(`INSERT INTO ${table} (${shared.join(', ')}) VALUES (${shared.map(() => '?').join(', ')})`);
  const rows = src.prepare(`SELECT ${shared.join(', ')} FROM ${table}`).raw().iterate() as IterableIterator<unknown[]>;
  const moving = moves.some((m) => m !== 0);
  for (const row of rows) {
    if (moving) moves.forEach((m, i) => { if (m !== 0 && typeof row[i] === 'number') row[i] = (row[i] as number) + m; });
    insert.run(row);
  }
}

/**
 * replica_nodes (a reporter table): the node each replica was recorded on, i.e. the host of the collector
 * whose run it belongs to, taken before nodes' runs are folded into one (after that a run spans hosts).
 */
function recordReplicaNodes(db: Database.Database): void {
  db.exec(`DROP TABLE IF EXISTS replica_nodes;
           CREATE TABLE replica_nodes (replica_id INTEGER PRIMARY KEY, node TEXT NOT NULL);
           INSERT INTO replica_nodes SELECT r.id, runs.collector_host FROM replicas r JOIN runs ON runs.id = r.run_id;`);
}

interface RunSpan {
  id: number;
  label: string;
  host: string;
  start: number;
  end: number;
}

const STATUS_RANK: Record<string, number> = { complete: 0, recording: 1, interrupted: 2 };

/** Folds same-label, time-overlapping runs from different collector hosts into the earliest one. */
function foldNodes(db: Database.Database): number {
  const spans = db
    .prepare(`SELECT id, label, collector_host AS host, started_at_ms AS start, COALESCE(ended_at_ms, (SELECT MAX(ts_ms) FROM samples s
              WHERE s.run_id = runs.id), started_at_ms) AS end FROM runs ORDER BY started_at_ms, id`)
    .all() as RunSpan[];
  let folded = 0;
  const gone = new Set<number>();
  db.transaction(() => {
    for (const primary of spans) {
      if (gone.has(primary.id)) continue;
      const group = [primary];
      for (const other of spans) {
        if (other === primary || gone.has(other.id) || other.label !== primary.label) continue;
        if (group.some((g) => g.host === other.host)) continue; // same node: a separate run, not another view of this one
        if (other.start <= primary.end && other.end >= primary.start) group.push(other);
      }
      if (group.length === 1) continue;
      const ids = group.map((g) => g.id);
      const others = ids.slice(1);
      const list = others.join(',');
      for (const t of ['replicas', 'samples', 'events']) db.exec(`UPDATE ${t} SET run_id = ${primary.id} WHERE run_id IN (${list})`);
      const rows = db.prepare(`SELECT status, collector_host, host_cpus, host_memory_bytes, started_at_ms, ended_at_ms FROM runs
                               WHERE id IN (${ids.join(',')})`).all() as Array<{ status: string; collector_host: string; host_cpus: number;
        host_memory_bytes: number; started_at_ms: number; ended_at_ms: number | null }>;
      const status = rows.map((r) => r.status).reduce((a, b) => ((STATUS_RANK[b] ?? 0) > (STATUS_RANK[a] ?? 0) ? b : a));
      db.prepare(`UPDATE runs SET status = ?, collector_host = ?, host_cpus = ?, host_memory_bytes = ?, started_at_ms = ?, ended_at_ms = ?
                  WHERE id = ?`).run(status, rows.map((r) => r.collector_host).join(','), rows.reduce((a, r) => a + r.host_cpus, 0),
        rows.reduce((a, r) => a + r.host_memory_bytes, 0), Math.min(...rows.map((r) => r.started_at_ms)),
        rows.some((r) => r.ended_at_ms === null) ? null : Math.max(...rows.map((r) => r.ended_at_ms!)), primary.id);
      db.exec(`DELETE FROM runs WHERE id IN (${list})`);
      for (const id of others) gone.add(id);
      folded += others.length;
    }
  })();
  return folded;
}
