// `reporter query`: read-only SQL with table, CSV and JSON output; writes are refused before they run.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { build } from '../build.js';
import { fixtureCopy, runCli, type Workspace } from '../fixture/workspace.js';

describe('reporter query', () => {
  let ws: Workspace;
  before(async () => {
    ws = fixtureCopy();
    await build({ dbs: [ws.db], csvDirs: [ws.runs], csvExplicit: true, labels: null, outDir: ws.out, log: () => {}, warn: () => {} });
  });

  describe('a SELECT', () => {
    it('prints an aligned table with a row count', async () => {
      const r = await runCli(['query', 'SELECT label, deployment FROM runs ORDER BY id', '--db', ws.db]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^label\s+deployment$/);
      assert.match(lines[2]!, /^native\s+native$/);
      assert.equal(lines.at(-1), '(5 rows)');
    });
    it('prints CSV and JSON on request', async () => {
      const csv = await runCli(['query', 'SELECT id, label FROM runs ORDER BY id', '--db', ws.db, '--format', 'csv']);
      assert.deepEqual(parse(csv.stdout, { columns: true })[4], { id: '5', label: 'swarm-3' });
      const json = await runCli(['query', 'SELECT id, label FROM runs ORDER BY id', '--db', ws.db, '--format', 'json']);
      assert.deepEqual(JSON.parse(json.stdout)[0], { id: 1, label: 'native' });
    });
    it('reads the documented views: per-run and per-replica summaries, requests with their sample', async () => {
      const run = await runCli(['query', 'SELECT label, requests, errors FROM run_summary ORDER BY label', '--db', ws.db, '--format', 'json']);
      assert.deepEqual(JSON.parse(run.stdout).find((r: { label: string }) => r.label === 'swarm-3'), { label: 'swarm-3', requests: 420, errors: 2 });
      const rep = await runCli(['query', "SELECT COUNT(*) AS n FROM replica_summary WHERE label = 'swarm-3'", '--db', ws.db, '--format', 'json']);
      assert.deepEqual(JSON.parse(rep.stdout), [{ n: 3 }]);
      const joined = await runCli(['query', 'SELECT COUNT(*) AS n FROM request_samples WHERE cpu_percent IS NOT NULL', '--db', ws.db, '--format', 'json']);
      assert.ok(JSON.parse(joined.stdout)[0].n > 2000);
    });
  });

  describe('a statement that writes', () => {
    const writes = [
      'DELETE FROM samples',
      "UPDATE runs SET label = 'x'",
      "INSERT INTO events (run_id, ts_ms, kind) VALUES (1, 1, 'x')",
      'DROP TABLE samples',
      'CREATE TABLE t (a)',
      'PRAGMA user_version = 9',
      'VACUUM',
    ];
    it('is refused with one line and exit 2, leaving the file as it was', async () => {
      const hash = (): string => createHash('sha256').update(readFileSync(ws.db)).digest('hex');
      const before = hash();
      for (const sql of writes) {
        const r = await runCli(['query', sql, '--db', ws.db]);
        assert.equal(r.code, 2, sql);
        assert.match(r.stderr.trim(), /^reporter: query: (refused|attempt to write a readonly database)/, sql);
        assert.equal(r.stderr.trim().split('\n').length, 1, sql);
      }
      assert.equal(hash(), before);
    });
    it('refuses several statements at once', async () => {
      const r = await runCli(['query', 'SELECT 1; DELETE FROM samples', '--db', ws.db]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /one SQL statement at a time/);
    });
  });

  describe('bad SQL or options', () => {
    it('says what SQLite said, in one line', async () => {
      const r = await runCli(['query', 'SELECT nope FROM runs', '--db', ws.db]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^reporter: query: no such column: nope\n$/);
    });
    it('says when the reporter\'s views need a build first', async () => {
      const fresh = fixtureCopy();
      const r = await runCli(['query', 'SELECT * FROM run_summary', '--db', fresh.db]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no such table: run_summary \(the reporter's tables and views appear after a "reporter build" on this database\)\n$/);
    });
    it('rejects an unknown --format', async () => {
      const r = await runCli(['query', 'SELECT 1', '--db', ws.db, '--format', 'xml']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--format "xml": expected table, csv or json/);
    });
  });
});
