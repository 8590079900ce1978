// `reporter build --db a.db --db b.db`: several nodes' recordings merged into one new database (in the
// output folder; the inputs are only read). Each input's rows keep their values with ids moved past
// the previous inputs' (the first keeps its ids, so run.json run ids from it stay valid). Runs with the
// same label, overlapping in time, recorded by collectors on different hosts are one run seen from
// several nodes: they are folded into the earliest, whose replicas then span the nodes.
import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openRecording, RECORDED_TABLES, ReporterError } from './db.js';

/** Columns that hold an id of a recorded table, per table: they move by that table's offset. */
const ID_COLUMNS: Record<string, Record<string, string>> = {
  runs: { id: 'runs' },
  replicas: { id: 'replicas', run_id: 'runs' },
  replica_labels: { replica_id: 'replicas' },
  samples: { id: 'samples', run_id: 'runs', replica_id: 'replicas' },
  events: { id: 'events', run_id: 'runs', replica_id: 'replicas' },
};

export interface MergeResult {
  readonly path: string;
  readonly runs: number;
  readonly folded: number;
}

const columns = (db: Database.Database, schema: string, table: string): string[] =>
  (db.prepare(`SELECT name FROM pragma_table_info(?, ?)`).pluck().all(table, schema) as string[]);

export function mergeRecordings(inputs: readonly string[], outPath: string): MergeResult {
  for (const path of inputs) openRecording(path, 'read').close(); // the same checks and messages as one --db
  if (existsSync(outPath)) rmSync(outPath);
  const out = new Database(outPath);
  try {
    const first = new Database(inputs[0]!, { readonly: true });
    const ddl = first
      .prepare(`SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name IN (${RECORDED_TABLES.map(() => '?').join(',')})
                ORDER BY type = 'table' DESC, name`)
      .all(...RECORDED_TABLES) as Array<{ type: string; sql: string }>;
    const version = first.pragma('user_version', { simple: true }) as number;
    first.close();
    out.exec(ddl.filter((d) => d.type !== 'view').map((d) => `${d.sql};`).join('\n'));
    out.pragma(`user_version = ${version}`);
    // ATTACH is not allowed inside a transaction: one transaction per input.
    for (const [k, path] of inputs.entries()) {
      out.prepare('ATTACH DATABASE ? AS src').run(path);
      try {
        out.transaction(() => {
          const offset: Record<string, number> = {};
          for (const t of ['runs', 'replicas', 'samples', 'events'])
            offset[t] = k === 0 ? 0 : (out.prepare(`SELECT COALESCE(MAX(id), 0) FROM main.${t}`).pluck().get() as number);
          for (const table of RECORDED_TABLES) {
            const shared = columns(out, 'main', table).filter((c) => columns(out, 'src', table).includes(c));
            const select = shared.map((c) => {
              const ref = ID_COLUMNS[table]?.[c];
              return ref ? `${c} + ${offset[ref]}` : c;
            });
            out.exec(`INSERT INTO main.${table} (${shared.join(', ')}) SELECT ${select.join(', ')} FROM src.${table}`);
          }
        })();
      } finally {
        out.exec('DETACH DATABASE src');
      }
    }
    const folded = foldNodes(out);
    const runs = out.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number;
    return { path: outPath, runs, folded };
  } catch (err) {
    if (err instanceof ReporterError) throw err;
    throw new ReporterError(`merging ${inputs.join(', ')}: ${(err as Error).message}`);
  } finally {
    out.close();
  }
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
