// `reporter query`: read-only SQL over the recording, a report's report.db or both, with table, CSV and
// JSON output; writes are refused before they run.
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
      const run = await runCli(['query', 'SELECT label, requests, errors FROM run_summary ORDER BY label', '--report', ws.out, '--format', 'json']);
      assert.deepEqual(JSON.parse(run.stdout).find((r: { label: string }) => r.label === 'swarm-3'), { label: 'swarm-3', requests: 420, errors: 2 });
      const rep = await runCli(['query', "SELECT COUNT(*) AS n FROM replica_summary WHERE label = 'swarm-3'", '--report', ws.reportDb, '--format', 'json']);
      assert.deepEqual(JSON.parse(rep.stdout), [{ n: 3 }]);
      const joined = await runCli(['query', 'SELECT COUNT(*) AS n FROM request_samples WHERE cpu_percent IS NOT NULL', '--report', ws.out, '--format', 'json']);
      assert.ok(JSON.parse(joined.stdout)[0].n > 2000);
    });
    it('reads a report and the recording together, the recording attached as rec', async () => {
      const r = await runCli(['query', `SELECT s.label, COUNT(*) AS n FROM run_summary s JOIN rec.runs ON rec.runs.label = s.label
        JOIN rec.samples ON rec.samples.run_id = rec.runs.id WHERE s.label = 'native' GROUP BY s.label`, '--report', ws.out, '--db', ws.db, '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(JSON.parse(r.stdout)[0].n > 0);
      const write = await runCli(['query', 'DELETE FROM rec.samples', '--report', ws.out, '--db', ws.db]);
      assert.equal(write.code, 2);
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
    it('is refused with one line and exit 2, leaving the files as they were', async () => {
      const hash = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
      const before = [hash(ws.db), hash(ws.reportDb)];
      for (const where of [['--db', ws.db], ['--report', ws.out]])
        for (const sql of writes) {
          const r = await runCli(['query', sql, ...where]);
          assert.equal(r.code, 2, sql);
          assert.match(r.stderr.trim(), /^reporter: query: (refused|attempt to write a readonly database)/, sql);
          assert.equal(r.stderr.trim().split('\n').length, 1, sql);
        }
      assert.deepEqual([hash(ws.db), hash(ws.reportDb)], before);
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
    it('says where the reporter\'s views are when asked on the recording', async () => {
      const r = await runCli(['query', 'SELECT * FROM run_summary', '--db', ws.db]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no such table: run_summary \(the reporter's tables and views are in report\.db: add --report <report folder>\)\n$/);
    });
    it('says when a report folder has no report.db yet', async () => {
      const fresh = fixtureCopy();
      const r = await runCli(['query', 'SELECT * FROM run_summary', '--report', fresh.out]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /report database .*report\.db does not exist \(run "reporter build" first\)\n$/);
    });
    it('rejects an unknown --format', async () => {
      const r = await runCli(['query', 'SELECT 1', '--db', ws.db, '--format', 'xml']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--format "xml": expected table, csv or json/);
    });
  });
});
