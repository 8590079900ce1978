// Bad input: malformed CSV rows are skipped and counted with file:line; a missing, empty or newer
// database, unknown labels and a broken run.json each stop the build with one line and exit code 2.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { RECORDING_SCHEMA_VERSION } from '../../contracts/recording.js';
import { readServiceCsv } from '../csv-read.js';
import { timeZone } from '../time-zone.js';
import { fixtureCopy, runCli, tempDir } from '../fixture/workspace.js';

const oneLine = (stderr: string): string => {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  return lines[0]!;
};

const lineCount = (file: string): number => readFileSync(file, 'utf8').trimEnd().split('\n').length;

describe('reporter build with bad input', () => {
  describe('malformed CSV rows', () => {
    it('skips and counts them, naming file and line, and imports the rest', async () => {
      const ws = fixtureCopy();
      const client = join(ws.runs, 'native', 'client.csv');
      const first = lineCount(client) + 1;
      appendFileSync(client, ['native,sequential,9001,x1,1795403159000,,,1.0,200,,,', // 12 columns
        'native,sequential,9002,x2,not-a-time,,,1.0,200,,,,,250,231', // bad intended_ms
        'native,sequential,9003,x3,1795403159000,,,1.0,ok,,,,,250,231'].join('\n') + '\n'); // bad status
      const serviceDir = join(ws.runs, 'native', 'service');
      const serviceFile = readdirSync(serviceDir).find((f) => f.endsWith('.csv'))!;
      const service = join(serviceDir, serviceFile);
      const sfirst = lineCount(service) + 1;
      appendFileSync(service, '1.5,POSITIVE,fine,yesterday,0.9,nativea1b2c3,r1,1\nfast,POSITIVE,fine,2026-11-23T03:00:05.000Z,0.9,nativea1b2c3,r2,1\n');
      const r = await runCli(['build', '--db', ws.db, '--csv', ws.runs, '--out', ws.out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`client\\.csv:${first}: 12 columns, expected 15`));
      assert.match(r.stderr, new RegExp(`client\\.csv:${first + 1}: bad intended_ms "not-a-time"`));
      assert.match(r.stderr, new RegExp(`client\\.csv:${first + 2}: bad status "ok"`));
      assert.ok(r.stderr.includes(`${serviceFile}:${sfirst}: bad timestamp "yesterday"`), r.stderr);
      assert.ok(r.stderr.includes(`${serviceFile}:${sfirst + 1}: bad latency "fast"`), r.stderr);
      assert.match(r.stdout, /5 malformed rows skipped/);
      assert.match(readFileSync(join(ws.out, 'REPORT.md'), 'utf8'), /- 5 malformed CSV row\(s\) skipped/);
      const db = new Database(ws.reportDb, { readonly: true });
      const csvRows = (readFileSync(client, 'utf8').match(/^native,/gm) ?? []).length;
      assert.equal(db.prepare(`SELECT COUNT(*) FROM client_requests WHERE label = 'native'`).pluck().get(), csvRows - 3);
      db.close();
    });
    it('names the editor\'s line even after cells with CRLF or LF inside and a stray quote', () => {
      const dir = tempDir();
      const file = join(dir, 'service.csv');
      const ts = '2026-11-23T00:00:00.000Z';
      writeFileSync(file, [`Inference Latency (ms),Prediction,Input Text,Timestamp`, `1,P,"two\r\nlines",${ts}`,
        `2,P,a "stray" quote,${ts}`, `3,P,"three\nlines\nhere",${ts}`, `4,P,ok,not-a-time`, `five,P,ok,${ts}`, `6,P,ok,${ts}`].join('\r\n') + '\r\n');
      const csv = readServiceCsv(file, timeZone('UTC'));
      assert.deepEqual(csv.rows.map((r) => [r.line, r.row.latencyMs]), [[2, 1], [4, 2], [5, 3], [10, 6]]);
      assert.equal(csv.rows[1]!.row.inputText, 'a "stray" quote');
      assert.deepEqual(csv.warnings.map((w) => [w.line, w.reason]), [[8, 'bad timestamp "not-a-time"'], [9, 'bad latency "five"']]);
      assert.equal(csv.skipped, 2);
    });
    it('skips a CSV whose header it does not know, with a warning', async () => {
      const ws = fixtureCopy();
      writeFileSync(join(ws.runs, 'docker', 'service', 'other.csv'), 'a,b,c\n1,2,3\n');
      const r = await runCli(['build', '--db', ws.db, '--csv', ws.runs, '--out', ws.out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /other\.csv:1: unknown header "a,b,c", file skipped/);
    });
  });

  describe('the database', () => {
    it('is missing: one line, exit 2', async () => {
      const r = await runCli(['build', '--db', '/nonexistent/bench.db', '--out', '/tmp/never']);
      assert.equal(r.code, 2);
      assert.match(oneLine(r.stderr), /^reporter: database \/nonexistent\/bench\.db does not exist/);
    });
    it('is an empty file or an SQLite file without recordings: one line, exit 2', async () => {
      const ws = fixtureCopy();
      const empty = join(ws.dir, 'empty.db');
      writeFileSync(empty, '');
      const bare = join(ws.dir, 'bare.db');
      new Database(bare).close();
      for (const path of [empty, bare]) {
        const r = await runCli(['build', '--db', path, '--out', ws.out]);
        assert.equal(r.code, 2);
        assert.match(oneLine(r.stderr), /is empty: no runs recorded/);
      }
    });
    it('comes from a newer schema: one line naming both versions, exit 2', async () => {
      const ws = fixtureCopy();
      const db = new Database(ws.db);
      db.pragma(`user_version = ${RECORDING_SCHEMA_VERSION + 1}`);
      db.close();
      const r = await runCli(['build', '--db', ws.db, '--csv', ws.runs, '--out', ws.out]);
      assert.equal(r.code, 2);
      assert.match(oneLine(r.stderr), new RegExp(`schema version ${RECORDING_SCHEMA_VERSION + 1}, newer than this reporter knows \\(${RECORDING_SCHEMA_VERSION}\\)`));
    });
  });

  describe('labels', () => {
    it('refuses an unknown label, listing the known ones', async () => {
      const ws = fixtureCopy();
      const r = await runCli(['build', '--db', ws.db, '--csv', ws.runs, '--out', ws.out, '--labels', 'native,nosuch']);
      assert.equal(r.code, 2);
      assert.match(oneLine(r.stderr), /unknown label nosuch \(known: native, docker, compose, swarm-1, swarm-3\)/);
    });
    it('reports only the labels asked for', async () => {
      const ws = fixtureCopy();
      const r = await runCli(['build', '--db', ws.db, '--csv', ws.runs, '--out', ws.out, '--labels', 'native,swarm-3']);
      assert.equal(r.code, 0, r.stderr);
      const md = readFileSync(join(ws.out, 'REPORT.md'), 'utf8');
      assert.match(md, /from 2 run\(s\) of 2 deployment label\(s\) \(native, swarm-3\)/);
    });
  });

  describe('without a native run', () => {
    it('says there is no baseline instead of inventing overheads', async () => {
      const ws = fixtureCopy();
      const r = await runCli(['build', '--db', ws.db, '--csv', ws.runs, '--out', ws.out, '--labels', 'docker,compose']);
      assert.equal(r.code, 0, r.stderr);
      const md = readFileSync(join(ws.out, 'REPORT.md'), 'utf8');
      assert.match(md, /No native run in this report: no overhead to compute\./);
      assert.doesNotMatch(md, /over native/);
    });
  });

  describe('run folders', () => {
    it('refuses a run.json that is not JSON, naming the file', async () => {
      const ws = fixtureCopy();
      writeFileSync(join(ws.runs, 'compose', 'run.json'), '{"label": "compose",');
      const r = await runCli(['build', '--db', ws.db, '--csv', ws.runs, '--out', ws.out]);
      assert.equal(r.code, 2);
      assert.match(oneLine(r.stderr), /compose\/run\.json: not JSON/);
    });
    it('refuses a --csv directory that does not exist', async () => {
      const ws = fixtureCopy();
      const r = await runCli(['build', '--db', ws.db, '--csv', join(ws.dir, 'nope'), '--out', ws.out]);
      assert.equal(r.code, 2);
      assert.match(oneLine(r.stderr), /--csv .*nope: no such directory/);
    });
    it('shows an interrupted recording without samples and a folder without recording, not dropped', async () => {
      const ws = fixtureCopy();
      const db = new Database(ws.db);
      db.exec(`UPDATE runs SET status = 'interrupted' WHERE label = 'compose';
               DELETE FROM samples WHERE run_id = (SELECT id FROM runs WHERE label = 'compose')`);
      db.close();
      const extra = join(ws.runs, 'docker-host-net');
      mkdirSync(extra);
      writeFileSync(join(extra, 'client.csv'), readFileSync(join(ws.runs, 'docker', 'client.csv'), 'utf8').replaceAll('docker,', 'docker-host-net,'));
      const r = await runCli(['build', '--db', ws.db, '--csv', ws.runs, '--out', ws.out]);
      assert.equal(r.code, 0, r.stderr);
      const md = readFileSync(join(ws.out, 'REPORT.md'), 'utf8');
      assert.match(md, /\| compose \| interrupted \| 1 \| 420 \|/);
      assert.match(md, /- compose: recording interrupted; no samples/);
      assert.match(md, /\| docker-host-net \| not recorded \| 0 \| 420 \|/);
      assert.match(md, /- docker-host-net: no recording; no run\.json; no service CSV/);
    });
    it('shows a recorded run without a run folder as missing its CSVs, not dropped', async () => {
      const ws = fixtureCopy();
      const empty = join(ws.dir, 'only-native');
      mkdirSync(empty);
      const r = await runCli(['build', '--db', ws.db, '--csv', empty, '--out', ws.out]);
      assert.equal(r.code, 0, r.stderr);
      const md = readFileSync(join(ws.out, 'REPORT.md'), 'utf8');
      assert.match(md, /- docker: no run folder/);
      assert.match(md, /\| swarm-3 \| complete \| 3 \| 0 \| 0 \|/);
    });
  });

  describe('the command line', () => {
    it('rejects an unknown flag and an unknown command with exit 2', async () => {
      const a = await runCli(['build', '--bogus']);
      assert.equal(a.code, 2);
      assert.match(oneLine(a.stderr), /--bogus/);
      const b = await runCli(['frobnicate']);
      assert.equal(b.code, 2);
      assert.match(b.stderr, /unknown command "frobnicate"/);
    });
  });
});
