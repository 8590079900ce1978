// `reporter query "<SQL>"`: read-only SQL over the recording database. The database is opened read-only
// AND the statement must be one SQLite itself calls read-only, so a write is refused before it runs.
import type Database from 'better-sqlite3';
import { stringify } from 'csv-stringify/sync';
import { openRecording, ReporterError } from './db.js';

const REPORTER_OBJECT = /no such table: (run_summary|replica_summary|request_samples|service_request_samples|client_requests|service_requests|report_\w+)/;

export type QueryFormat = 'table' | 'csv' | 'json';

export interface QueryOptions {
  readonly db: string;
  readonly sql: string;
  readonly format: QueryFormat;
}

export function runQuery(opts: QueryOptions): string {
  const db = openRecording(opts.db, 'read');
  try {
    return formatRows(...select(db, opts.sql), opts.format);
  } finally {
    db.close();
  }
}

function select(db: Database.Database, sql: string): [string[], unknown[][]] {
  let stmt: Database.Statement;
  try {
    stmt = db.prepare(sql);
  } catch (err) {
    const msg = (err as Error).message;
    if (/more than one statement/i.test(msg)) throw new ReporterError('query: give one SQL statement at a time');
    const hint = REPORTER_OBJECT.test(msg) ? ' (the reporter\'s tables and views appear after a "reporter build" on this database)' : '';
    throw new ReporterError(`query: ${msg}${hint}`);
  }
  if (!stmt.readonly || !stmt.reader)
    throw new ReporterError(`query: refused, "${sql.trim().split(/\s+/)[0]}" would not be a read-only query (reporter query only reads; the recording is kept as recorded)`);
  try {
    const columns = stmt.columns().map((c) => c.name);
    return [columns, stmt.raw().all() as unknown[][]];
  } catch (err) {
    throw new ReporterError(`query: ${(err as Error).message}`);
  }
}

const show = (v: unknown): string => (v === null ? 'NULL' : Buffer.isBuffer(v) ? `<${v.length} bytes>` : String(v));

export function formatRows(columns: string[], rows: unknown[][], format: QueryFormat): string {
  if (format === 'json') return `${JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, typeof r[i] === 'bigint' ? String(r[i]) : r[i]]))), null, 2)}\n`;
  if (format === 'csv') return stringify([columns, ...rows.map((r) => r.map((v) => (v === null ? '' : show(v))))]);
  const cells = [columns, ...rows.map((r) => r.map(show))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (typeof rows[0]?.[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}
