// report.db: the reporter's own database, beside REPORT.md. A build makes it anew: a copy of the recorded
// rows it reports on (merge.ts; the recording itself is only ever opened read-only) plus the reporter's
// tables and views (report-schema.ts). `reporter query --report` reads it, read-only.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { errorText } from '../common/error-text.js';
import { openRecording, ReporterError } from './db.js';
import { copyRecordings, type CopyResult } from './merge.js';
import { createReportSchema } from './report-schema.js';

export const REPORT_DB_FILE = 'report.db';

export interface ReportDb {
  readonly db: Database.Database;
  readonly path: string;
  readonly copied: CopyResult;
}

/** A new <outDir>/report.db holding the recordings' rows and the reporter's (empty) tables. */
export function createReportDb(outDir: string, recordings: readonly string[]): ReportDb {
  for (const input of recordings) openRecording(input).close(); // every input checked before anything is written
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, REPORT_DB_FILE);
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const db = new Database(path);
  try {
    // Rebuilt from its sources on every build: a crash mid-build loses nothing worth a journal's fsyncs.
    db.pragma('synchronous = OFF');
    const copied = copyRecordings(recordings, db);
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
