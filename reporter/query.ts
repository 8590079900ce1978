// `reporter query "<SQL>"`: read-only SQL over the recording (--db), a report's report.db (--report), or
// both (report.db with the recording attached as `rec`). Every file is opened read-only AND the statement
// must be one SQLite itself calls read-only, so a write is refused before it runs.
import type Database from 'better-sqlite3';
import { stringify } from 'csv-stringify/sync';
import { errorText } from '../common/error-text.js';
import { type Align, formatTable } from '../common/text-table.js';
import { openRecording, ReporterError } from './db.js';
import { openReportDb } from './report-db.js';

const REPORTER_OBJECT = /no such table: (run_summary|phase_summary|replica_summary|request_samples|service_request_samples|client_requests|service_requests|report_\w+|window_resources|replica_counter_growth)/;

export type QueryFormat = 'table' | 'csv' | 'json';

export interface QueryOptions {
  /** The recording; alone, or attached as `rec` beside a report. */
  readonly db?: string | undefined;
  /** A report folder or its report.db. */
  readonly report?: string | undefined;
  readonly sql: string;
  readonly format: QueryFormat;
}

export function runQuery(opts: QueryOptions): string {
  const db = open(opts);
  try {
    return formatRows(...select(db, opts.sql, opts.report !== undefined), opts.format);
  } finally {
    db.close();
  }
}

function open(opts: QueryOptions): Database.Database {
  if (opts.report === undefined) return openRecording(opts.db ?? 'data/bench.db');
  const db = openReportDb(opts.report);
  if (opts.db === undefined) return db;
  try {
    openRecording(opts.db).close(); // the same checks and messages as --db alone
    // The connection is read-only, so SQLite opens what it attaches read-only too.
    db.prepare('ATTACH DATABASE ? AS rec').run(opts.db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function select(db: Database.Database, sql: string, onReport: boolean): [string[], unknown[][]] {
  let stmt: Database.Statement;
  try {
    stmt = db.prepare(sql);
  } catch (err) {
    const msg = errorText(err);
    if (/more than one statement/i.test(msg)) throw new ReporterError('query: give one SQL statement at a time');
    const hint = !onReport && REPORTER_OBJECT.test(msg) ? ' (the reporter\'s tables and views are in report.db: add --report <report folder>)' : '';
    throw new ReporterError(`query: ${msg}${hint}`);
  }
  if (!stmt.readonly || !stmt.reader)
    throw new ReporterError(`query: refused, "${sql.trim().split(/\s+/)[0]}" would not be a read-only query (reporter query only reads; the recording is kept as recorded)`);
  try {
    const columns = stmt.columns().map((c) => c.name);
    return [columns, stmt.raw().all() as unknown[][]];
  } catch (err) {
    throw new ReporterError(`query: ${errorText(err)}`);
  }
}

const show = (v: unknown): string => (v === null ? 'NULL' : Buffer.isBuffer(v) ? `<${v.length} bytes>` : String(v));

export function formatRows(columns: string[], rows: unknown[][], format: QueryFormat): string {
  if (format === 'json') return `${JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, typeof r[i] === 'bigint' ? String(r[i]) : r[i]]))), null, 2)}\n`;
  if (format === 'csv') return stringify([columns, ...rows.map((r) => r.map((v) => (v === null ? '' : show(v))))]);
  const align = columns.map((_, i): Align => (typeof rows[0]?.[i] === 'number' ? 'right' : 'left'));
  return `${formatTable(columns, rows.map((r) => r.map(show)), { align })}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}
