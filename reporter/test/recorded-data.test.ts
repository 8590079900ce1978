// The reporter never writes the recording: a build opens it read-only and keeps what it derives in
// <out>/report.db. It builds on a write-protected recording and on one a collector is writing, leaves
// the file byte-identical, and building twice gives the same report.db tables.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { RECORDED_TABLES } from '../../contracts/recording.js';
import { build } from '../build.js';
import { fixtureCopy, type Workspace } from '../fixture/workspace.js';

const fileHash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

function tableHashes(path: string, tables: readonly string[]): Record<string, string> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(
      tables.map((t) => {
        const h = createHash('sha256');
        for (const row of db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).raw().iterate()) h.update(JSON.stringify(row));
        return [t, h.digest('hex')];
      }),
    );
  } finally {
    db.close();
  }
}

const buildOf = (ws: Workspace) => build({ dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} });

describe('reporter build and the recorded data', () => {
  it('builds on a write-protected recording (mode 0444) and leaves it byte-identical', async () => {
    const ws = fixtureCopy();
    chmodSync(ws.db, 0o444);
    const before = fileHash(ws.db);
    const result = await buildOf(ws);
    assert.equal(result.runs, 5);
    assert.equal(fileHash(ws.db), before);
  });
  it('builds while a collector holds the recording\'s write lock, and reads what was committed', async () => {
    const ws = fixtureCopy();
    const collector = new Database(ws.db);
    collector.pragma('journal_mode = WAL');
    const committed = collector.prepare('SELECT COUNT(*) FROM samples').pluck().get() as number;
    collector.exec('BEGIN IMMEDIATE');
    collector.prepare('INSERT INTO samples (run_id, replica_id, ts_ms, error) SELECT run_id, replica_id, ts_ms + 1, \'late\' FROM samples LIMIT 1').run();
    try {
      await buildOf(ws);
    } finally {
      collector.exec('COMMIT');
      collector.close();
    }
    const copy = new Database(ws.reportDb, { readonly: true });
    assert.equal(copy.prepare('SELECT COUNT(*) FROM samples').pluck().get(), committed);
    copy.close();
  });
  it('copies the recorded tables into report.db as they are', async () => {
    const ws = fixtureCopy();
    await buildOf(ws);
    assert.deepEqual(tableHashes(ws.reportDb, RECORDED_TABLES), tableHashes(ws.db, RECORDED_TABLES));
  });
  it('makes report.db anew on a rebuild instead of adding rows again', async () => {
    const ws = fixtureCopy();
    await buildOf(ws);
    const mine = ['client_requests', 'service_requests', 'report_phases'];
    const first = tableHashes(ws.reportDb, mine);
    await buildOf(ws);
    assert.deepEqual(tableHashes(ws.reportDb, mine), first);
  });
});
