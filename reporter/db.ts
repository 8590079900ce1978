// Opening the recording database: always read-only (the reporter never writes the collector's file),
// with the checks every command shares, each failing with one line.
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { errorText } from '../common/error-text.js';
import { RECORDED_TABLES, RECORDING_SCHEMA_VERSION, schemaVersion } from '../contracts/recording.js';
import { UsageError } from '../contracts/usage-error.js';

/** Bad input (a missing database, a broken run.json, bad SQL): the CLI prints one line and exits 2. */
export class ReporterError extends UsageError {}

/**
 * The recording, opened read-only: a collector may still be writing it (WAL: readers never block it),
 * and the file may be write-protected. Nothing the reporter derives is written here (see report-db.ts).
 */
export function openRecording(path: string): Database.Database {
  if (!existsSync(path)) throw new ReporterError(`database ${path} does not exist (record runs with "collector start" or pass --db)`);
  if (statSync(path).size === 0) throw new ReporterError(`database ${path} is empty: no runs recorded`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new ReporterError(`database ${path} cannot be opened: ${errorText(err)}`);
  }
  try {
    checkRecording(db, path);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof ReporterError) throw err;
    throw new ReporterError(`database ${path} is not readable as SQLite: ${errorText(err)}`);
  }
}

function checkRecording(db: Database.Database, path: string): void {
  const version = schemaVersion(db);
  if (version > RECORDING_SCHEMA_VERSION)
    throw new ReporterError(
      `database ${path} has schema version ${version}, newer than this reporter knows (${RECORDING_SCHEMA_VERSION}): update the reporter`,
    );
  const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
  const missing = RECORDED_TABLES.filter((t) => !tables.has(t));
  if (missing.length === RECORDED_TABLES.length) throw new ReporterError(`database ${path} is empty: no runs recorded`);
  if (missing.length > 0) throw new ReporterError(`database ${path} is not a recording database (no ${missing.join(', ')} table)`);
}
