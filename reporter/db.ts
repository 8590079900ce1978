// Opening the recording database: the checks every command shares, each failing with one line.
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';

/** The collector schema version this reporter understands (collector/schema.sql, PRAGMA user_version). */
export const KNOWN_SCHEMA_VERSION = 1;

/** An error the CLI prints as one line and exits 2 for: bad input, not a crash. */
export class ReporterError extends Error {}

const RECORDED_TABLES = ['runs', 'replicas', 'replica_labels', 'samples', 'events'] as const;
export { RECORDED_TABLES };

export function openRecording(path: string, mode: 'read' | 'write'): Database.Database {
  if (!existsSync(path)) throw new ReporterError(`database ${path} does not exist (record runs with "collector start" or pass --db)`);
  if (statSync(path).size === 0) throw new ReporterError(`database ${path} is empty: no runs recorded`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: mode === 'read', fileMustExist: true });
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new ReporterError(`database ${path} cannot be opened: ${(err as Error).message}`);
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > KNOWN_SCHEMA_VERSION)
      throw new ReporterError(
        `database ${path} has schema version ${version}, newer than this reporter knows (${KNOWN_SCHEMA_VERSION}): update the reporter`,
      );
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]).map((t) => t),
    );
    const missing = RECORDED_TABLES.filter((t) => !tables.has(t));
    if (missing.length === RECORDED_TABLES.length) throw new ReporterError(`database ${path} is empty: no runs recorded`);
    if (missing.length > 0) throw new ReporterError(`database ${path} is not a recording database (no ${missing.join(', ')} table)`);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof ReporterError) throw err;
    throw new ReporterError(`database ${path} is not readable as SQLite: ${(err as Error).message}`);
  }
}
