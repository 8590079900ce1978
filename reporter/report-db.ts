// report.db: the reporter's own database, beside REPORT.md. A build makes it anew: a copy of the recording
// (SQLite's online backup from a read-only connection: a consistent snapshot at file-copy speed, while a
// collector may keep writing; several nodes' recordings merged in, merge.ts) plus the reporter's tables
// and views (report-schema.ts). The recording itself is never written. `reporter query --report` reads
// report.db, read-only.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { errorText } from '../common/error-text.js';
import { hasReplicaRoles } from '../contracts/recording.js';
import { openRecording, ReporterError } from './db.js';
import { mergeRecordings, type MergeResult } from './merge.js';
import { createReportSchema, dropReportSchema } from './report-schema.js';

export const REPORT_DB_FILE = 'report.db';

export interface ReportDb {
  readonly db: Database.Database;
  readonly path: string;
  readonly copied: MergeResult;
}

/** Copy every page at once: the backup API otherwise yields to the event loop every 100 pages. */
const ALL_PAGES = 0x7fffffff;

/** A new <outDir>/report.db holding the recordings' rows and the reporter's (empty) tables. */
export async function createReportDb(outDir: string, recordings: readonly string[]): Promise<ReportDb> {
  const withRoles = recordings.map((input) => {
    const db = openRecording(input); // every input checked before anything is written
    try {
      return hasReplicaRoles(db);
    } finally {
      db.close();
    }
  });
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, REPORT_DB_FILE);
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const first = openRecording(recordings[0]!);
  try {
    await first.backup(path, { progress: () => ALL_PAGES });
  } catch (err) {
    throw new ReporterError(`copying ${recordings[0]} into ${path}: ${errorText(err)}`);
  } finally {
    first.close();
  }
  const db = new Database(path);
  try {
    db.pragma('journal_mode = DELETE'); // a copy of a WAL recording is in WAL mode: one self-contained file instead
    // Rebuilt from its sources on every build: a crash mid-build loses nothing worth a journal's fsyncs.
    db.pragma('synchronous = OFF');
    dropReportSchema(db);
    // A version-1 first input merged with version-2 others: the copy (never the recording) gets the role
    // columns, its own rows 'service' as version 1 recorded them, so the others' roles are kept.
    if (!withRoles[0] && withRoles.some(Boolean)) {
      db.exec(`ALTER TABLE replicas ADD COLUMN role TEXT NOT NULL DEFAULT 'service'; ALTER TABLE replicas ADD COLUMN component TEXT;`);
    }
    const copied = mergeRecordings(recordings.slice(1), db);
    createReportSchema(db, recordings);
    return { db, path, copied };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The report.db of a report folder (or the file itself), opened read-only. */
export function openReportDb(pathOrDir: string): Database.Database {
  const isFile = existsSync(pathOrDir) ? statSync(pathOrDir).isFile() : pathOrDir.endsWith('.db');
  const path = isFile ? pathOrDir : join(pathOrDir, REPORT_DB_FILE);
  if (!existsSync(path)) throw new ReporterError(`report database ${path} does not exist (run "reporter build" first)`);
  try {
    return new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new ReporterError(`report database ${path} cannot be opened: ${errorText(err)}`);
  }
}
