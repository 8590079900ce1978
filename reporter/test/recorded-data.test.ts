// A build adds only the reporter's own tables: the collector's recorded rows stay exactly as recorded,
// and building twice gives the same imported tables (a rebuild replaces, never duplicates).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { build } from '../build.js';
import { RECORDED_TABLES } from '../db.js';
import { fixtureCopy } from '../fixture/workspace.js';

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

describe('reporter build and the recorded data', () => {
  it('leaves the recorded tables, their schema and user_version unchanged', async () => {
    const ws = fixtureCopy();
    const schema = (): unknown => {
      const db = new Database(ws.db, { readonly: true });
      const out = [db.pragma('user_version', { simple: true }),
        db.prepare(`SELECT name, sql FROM sqlite_master WHERE tbl_name IN (${RECORDED_TABLES.map(() => '?').join(',')}) ORDER BY name`).all(...RECORDED_TABLES)];
      db.close();
      return out;
    };
    const beforeRows = tableHashes(ws.db, RECORDED_TABLES);
    const beforeSchema = schema();
    const opts = { dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} };
    await build(opts);
    assert.deepEqual(tableHashes(ws.db, RECORDED_TABLES), beforeRows);
    assert.deepEqual(schema(), beforeSchema);
  });
  it('replaces its own rows on a rebuild instead of adding them again', async () => {
    const ws = fixtureCopy();
    const opts = { dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} };
    await build(opts);
    const mine = ['client_requests', 'service_requests', 'report_runs', 'report_phases'];
    const first = tableHashes(ws.db, mine);
    await build(opts);
    const second = tableHashes(ws.db, mine);
    for (const t of ['client_requests', 'service_requests', 'report_phases']) assert.equal(second[t], first[t], t);
  });
});
